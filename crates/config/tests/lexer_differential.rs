//! Differential test of the lexer against CPython's configparser configured as
//! Supervisor configures it (`UnhosedConfigParser`), over Supervisor's own sample and
//! test configs and cases written here.

mod support;

use std::fmt::Write as _;
use std::path::PathBuf;

use supervisor_config::{Ini, py};

/// Dumps each file given on the command line the same way `dump` below does.
const DUMP: &str = r#"
import sys
from supervisor.options import UnhosedConfigParser
for path in sys.argv[1:]:
    out = []
    p = UnhosedConfigParser()
    try:
        with open(path, 'r', newline=None) as f:
            p.read_file(f)
        if p.defaults():
            out.append('[DEFAULT]')
            for k, v in p.defaults().items():
                out.append('%r=%r' % (k, v))
        for s in p.sections():
            out.append('[%r]' % s)
            for k, v in p._sections[s].items():
                out.append('%r=%r' % (k, v))
    except Exception as e:
        out.append('ERROR %s' % e)
    sys.stdout.write('\n'.join(out) + '\n\x00\n')
"#;

/// Extracts every triple-quoted config text of Supervisor's test_options.py.
const EXTRACT: &str = r#"
import re, sys, os, textwrap
src = open(sys.argv[1]).read()
out = sys.argv[2]
n = 0
for m in re.finditer(r'"""(.*?)"""', src, re.S):
    body = m.group(1)
    if '[' not in body or '=' not in body:
        continue
    text = textwrap.dedent(body)
    with open(os.path.join(out, 'opt%03d.conf' % n), 'w') as f:
        f.write(text)
    n += 1
print(n)
"#;

fn dump(text: &str, source: &str) -> String {
    let mut out = String::new();
    match Ini::parse(text, source) {
        Err(e) => {
            let _ = writeln!(out, "ERROR {e}");
        }
        Ok(ini) => {
            if !ini.defaults().is_empty() {
                out.push_str("[DEFAULT]\n");
                for e in ini.defaults() {
                    let _ = writeln!(out, "{}={}", py::repr(&e.key), py::repr(&e.value));
                }
            }
            for s in ini.sections() {
                let _ = writeln!(out, "[{}]", py::repr(&s.name));
                for e in &s.entries {
                    let _ = writeln!(out, "{}={}", py::repr(&e.key), py::repr(&e.value));
                }
            }
        }
    }
    if out.is_empty() {
        out.push('\n');
    }
    out
}

/// Dialect cases, each a whole file.
const CASES: &[&str] = &[
    "[supervisord]\nlogfile=/tmp/x.log ; comment\n",
    "[program:a]\ncommand=bash -c 'a ; b'\nurl=http://h/#x\nx = a;b\ny = a #b\n",
    "[program:a]\nKEY: value = with equals\nOther = a: b\n",
    "[include]\nfiles = a.conf\n  b/*.conf\n\n  c.conf\n\n[x]\n",
    "[s]\r\na=1\r\nb = 2\r\n",
    "[s]\ra=1\rb=2",
    "[s]\na=1\n[t]\nb=2\n[s]\na=3\nc=4\n",
    "[DEFAULT]\nautostart=false\n[program:x]\ncommand=cat\n",
    "a=1\n[s]\n",
    "; only a comment\n# another\n",
    "[s]\nno delimiter here\nother\n=novalue\n",
    "[s]\n  indented=1\n    cont\n",
    "[s]\na=1\n  ; comment in value\n  b\n",
    "[s]\na=\n  x\n  y\n",
    "[s] trailing\n[a]b]\n[]\n",
    "[s]\nk\x0b=v\x1c\nk2=a\x1f;c\n",
    "[s]\nk = v1 ;c1 ; c2 # c3\n",
    "[s]\nk = a#b ;c #d\n",
    "[s]\nk=a\t;tab comment\n",
    "[s]\nK\u{e9}Y=\u{e9}t\u{e9}\n",
    "\n\n[s]\n\n\nk=v\n\n\n",
    "[s]\nk=v\n\tcontinued with tab\n",
    "[s]\nk=v\n [not a header]\n",
    "[s]\n[t]\n  k=v\n",
    "[s]\nk =\n",
    "[s]\n:colon=first\n",
    "[s]\nk=v\\\n",
    "[s]\nk=\"quoted ; not\" ; yes\n",
    "[s]\nk=#notcomment\nk2=;notcomment\n",
    "   [s]\nk=v\n",
    "[s]\n#k=v\n  ;k=v\nk=v\n",
];

#[test]
fn lexer_matches_cpython_configparser() {
    let Some(reference) = support::reference() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let pkg = support::package_dir(&reference);
    let mut files: Vec<PathBuf> = Vec::new();
    files.push(pkg.join("skel/sample.conf"));
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(pkg.join("tests/fixtures"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "conf"))
        .collect();
    fixtures.sort();
    files.extend(fixtures);
    let extracted = tmp.path().join("extracted");
    std::fs::create_dir(&extracted).unwrap();
    let count = support::python(
        &reference,
        EXTRACT,
        &[
            pkg.join("tests/test_options.py").to_str().unwrap(),
            extracted.to_str().unwrap(),
        ],
    );
    assert!(
        count.trim().parse::<usize>().unwrap() > 20,
        "corpus too small"
    );
    let mut ex: Vec<PathBuf> = std::fs::read_dir(&extracted)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    ex.sort();
    files.extend(ex);
    for (i, case) in CASES.iter().enumerate() {
        let p = tmp.path().join(format!("case{i:02}.conf"));
        std::fs::write(&p, case).unwrap();
        files.push(p);
    }
    let args: Vec<&str> = files.iter().map(|p| p.to_str().unwrap()).collect();
    let expected = support::python(&reference, DUMP, &args);
    let expected: Vec<&str> = expected.split("\x00\n").collect();
    let mut failures = Vec::new();
    for (i, path) in files.iter().enumerate() {
        let text = std::fs::read_to_string(path).unwrap();
        let ours = dump(&text, path.to_str().unwrap());
        if ours != expected[i] {
            failures.push(format!(
                "{}:\n--- python\n{}\n--- ours\n{}",
                path.display(),
                expected[i],
                ours
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
    eprintln!("lexer agrees with CPython on {} files", files.len());
}
