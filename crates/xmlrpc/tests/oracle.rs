//! Oracle tests against Python: `xmlrpc.client` must load what we encode and re-dump
//! it to the very same bytes; Supervisor's request loader must accept our calls; and we
//! must parse what Python dumps and re-encode it byte for byte.
//!
//! They need the Python reference: `$SUPERVISOR_REF` or the workspace's `.ref` venv.
//! Without it they print why and pass, unless `CI=true`, where they fail.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{Profile, value};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use supervisor_xmlrpc::{Fault, MethodCall, Value, encode_fault, encode_response, parse_response};

fn python() -> Option<PathBuf> {
    let venv = std::env::var_os("SUPERVISOR_REF")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.ref"));
    let py = venv.join("bin/python");
    if py.exists() {
        return Some(py);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("Python reference not found at {}", venv.display());
    }
    eprintln!(
        "skipping: Python reference not found at {} (set SUPERVISOR_REF)",
        venv.display()
    );
    None
}

const SCRIPT: &str = r#"
import os, random, sys
import xmlrpc.client as x
from supervisor.xmlrpc import supervisor_xmlrpc_handler

d = sys.argv[1]
bad = []
loader = supervisor_xmlrpc_handler(None, [])
for name in sorted(os.listdir(d)):
    data = open(os.path.join(d, name), encoding='utf-8', newline='').read()
    try:
        if name.startswith('resp_'):
            (v,), _ = x.loads(data)
            again = x.dumps((v,), methodresponse=1, allow_none=True)
        elif name.startswith('fault_'):
            try:
                x.loads(data)
                again = 'no fault raised'
            except x.Fault as f:
                again = x.dumps(f)
        elif name.startswith('call_'):
            params, method = x.loads(data)
            again = x.dumps(params, method, allow_none=True)
            loader.loads(data)
        else:
            continue
        if again != data:
            bad.append('%s: python re-dumps %r' % (name, again))
    except Exception as e:
        bad.append('%s: %r' % (name, e))

rnd = random.Random(1234)
def text():
    return ''.join(chr(rnd.choice([rnd.randint(0x20, 0x7e), rnd.randint(0xa0, 0xd7ff),
                                   rnd.randint(0x10000, 0x10ffff), 9, 10, 38, 60, 62]))
                   for _ in range(rnd.randint(0, 10)))
def val(depth=0):
    k = rnd.randint(0, 10 if depth < 3 else 7)
    if k == 0: return rnd.randint(-2**31, 2**31 - 1)
    if k == 1: return rnd.random() < 0.5
    if k == 2: return text()
    if k == 3: return rnd.choice([rnd.uniform(-1e6, 1e6), rnd.random() * 10 ** rnd.randint(-30, 30),
                                  float(rnd.randint(-10**17, 10**17)), 0.0, -0.0])
    if k == 4: return x.DateTime('%04d%02d%02dT%02d:%02d:%02d' % (rnd.randint(1, 9999),
                     rnd.randint(1, 12), rnd.randint(1, 28), rnd.randint(0, 23),
                     rnd.randint(0, 59), rnd.randint(0, 59)))
    if k == 5: return x.Binary(bytes(rnd.randrange(256) for _ in range(rnd.randint(0, 90))))
    if k == 6: return None
    if k == 7: return text()
    if k == 8: return [val(depth + 1) for _ in range(rnd.randint(0, 4))]
    return {text(): val(depth + 1) for _ in range(rnd.randint(0, 4))}
for i in range(300):
    out = x.dumps((val(),), methodresponse=1, allow_none=True)
    open(os.path.join(d, 'py_%03d.xml' % i), 'w', encoding='utf-8', newline='').write(out)
for i, code in enumerate([1, 2, 10, 70, -5, 2**31 - 1]):
    out = x.dumps(x.Fault(code, text()))
    open(os.path.join(d, 'pyfault_%03d.xml' % i), 'w', encoding='utf-8', newline='').write(out)
print('\n'.join(bad))
"#;

fn samples(n: usize, profile: Profile) -> Vec<Value> {
    let mut runner = TestRunner::deterministic();
    let strategy = value(profile);
    (0..n)
        .map(|_| strategy.new_tree(&mut runner).unwrap().current())
        .collect()
}

#[test]
fn python_agrees_with_our_codec() {
    let Some(py) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let write = |name: String, body: String| std::fs::write(dir.path().join(name), body).unwrap();

    // Python's expat refuses control characters, so they are left out here.
    let profile = Profile {
        control_chars: false,
        base64: true,
        nil: true,
    };
    let mut fixed = vec![
        Value::structure([
            ("name", Value::from("a<&>\"'")),
            ("n", Value::Nil),
            ("e", Value::Array(vec![])),
            ("s", Value::Struct(vec![])),
        ]),
        Value::Double(1e16),
        Value::Double(1e-5),
        Value::Double(-0.0),
        Value::Base64(vec![7; 200]),
        Value::Int(i32::MIN),
    ];
    fixed.extend(samples(300, profile));
    for (i, v) in fixed.iter().enumerate() {
        write(format!("resp_{i:03}.xml"), encode_response(v));
    }
    for (i, f) in [
        Fault::new(supervisor_types::FaultCode::BadName, Some("foo & <bar>")),
        Fault {
            code: -1,
            string: String::new(),
        },
    ]
    .iter()
    .enumerate()
    {
        write(format!("fault_{i:03}.xml"), encode_fault(f));
    }
    // Supervisor's loader decodes base64 parameters to text, refusing non-UTF-8 bytes.
    let call_profile = Profile {
        control_chars: false,
        base64: false,
        nil: false,
    };
    for (i, params) in samples(100, call_profile).into_iter().enumerate() {
        let params = match params {
            Value::Array(items) => items,
            other => vec![other],
        };
        let call = MethodCall::new("supervisor.someMethod", params);
        write(format!("call_{i:03}.xml"), call.encode());
    }

    let out = Command::new(&py)
        .arg("-c")
        .arg(SCRIPT)
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.trim().is_empty(), "Python disagrees:\n{report}");

    // And the other way: parse what Python dumped, re-encode, compare bytes.
    let mut checked = 0;
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.starts_with("py") {
            continue;
        }
        let body = std::fs::read(&path).unwrap();
        let again = match parse_response(&body) {
            Ok(Ok(v)) => encode_response(&v),
            Ok(Err(f)) => encode_fault(&f),
            Err(e) => panic!("{name}: {e}"),
        };
        assert_eq!(again.as_bytes(), &body[..], "{name}");
        checked += 1;
    }
    assert_eq!(checked, 306);
}
