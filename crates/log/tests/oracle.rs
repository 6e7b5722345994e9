//! Oracle tests: the same cases through Python Supervisor (the reference in
//! `/work/main/.ref`, or the venv `$SUPERVISOR_REF`) and through this crate; the answers
//! must be identical. Without the reference they print a skip notice, unless `CI=true`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, UNIX_EPOCH};

use supervisor_log::{
    LocalClock, LogFileError, OutputSplitter, Piece, RotatingFile, is_auto_child_log, read_log,
    strip_ansi, tail_log,
};
use supervisor_types::LogLevel;

fn reference_python() -> Option<PathBuf> {
    let root = std::env::var_os("SUPERVISOR_REF")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.ref"));
    let python = root.join("bin/python");
    if python.exists() {
        return Some(python);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "CI=true but the Python reference is missing at {}",
            root.display()
        );
    }
    eprintln!(
        "skipping oracle test: no Python reference at {} (set SUPERVISOR_REF)",
        root.display()
    );
    None
}

/// Runs `script` with `input` on stdin under the reference Python, returns stdout.
fn run_python(python: &Path, script: &str, input: &str, tz: &str) -> String {
    let mut child = Command::new(python)
        .arg("-c")
        .arg(script)
        .env("TZ", tz)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the reference python");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn hex(data: &[u8]) -> String {
    data.iter().map(|b| format!("{b:02x}")).collect()
}

/// A small deterministic generator (an LCG), so cases are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const FRAGMENTS: &[&[u8]] = &[
    b"hello",
    b"\n",
    b"<!--XSUPERVISOR:BEGIN-->",
    b"<!--XSUPERVISOR:END-->",
    b"<!--XSUP",
    b"ERVISOR:BEGIN-->",
    b"ERVISOR:END-->",
    b"<!--",
    b"\x1b[31m",
    b"\x1b[",
    b"0m",
    b"abcdefghijklmnopqrstuvwxyz",
    b"\xff\xfe",
    b"x",
];

const SPLITTER_PY: &str = r#"
import sys
from supervisor import events, loggers
from supervisor.dispatchers import POutputDispatcher
from supervisor.tests.base import DummyOptions, DummyPConfig, DummyProcess
for line in sys.stdin:
    maxbytes, strip, chunks = line.split()
    options = DummyOptions()
    options.strip_ansi = strip == '1'
    options.getLogger = loggers.getLogger
    config = DummyPConfig(options, 'p', '/bin/true', stdout_capture_maxbytes=int(maxbytes),
                          stdout_events_enabled=True)
    process = DummyProcess(config)
    d = POutputDispatcher(process, events.ProcessCommunicationStdoutEvent, 0)
    events.clear()
    got = []
    events.subscribe(events.ProcessLogStdoutEvent,
                     lambda e: got.append(('C' if d.capturemode else 'O') + ':' + e.data.hex()))
    events.subscribe(events.ProcessCommunicationStdoutEvent,
                     lambda e: got.append('E:' + e.data.hex()))
    for chunk in chunks.split(','):
        options.readfd_result = bytes.fromhex(chunk)
        d.handle_read_event()
    print(' '.join(got) or '-')
"#;

#[test]
fn capture_splitter_matches_python_dispatcher() {
    let Some(python) = reference_python() else {
        return;
    };
    let mut rng = Rng(7);
    let mut cases = Vec::new();
    for _ in 0..400 {
        let maxbytes = [0usize, 7, 40, 1000][rng.below(4)];
        let strip = rng.below(2) == 1;
        let mut chunks = Vec::new();
        for _ in 0..1 + rng.below(8) {
            let mut chunk = Vec::new();
            for _ in 0..1 + rng.below(5) {
                chunk.extend_from_slice(FRAGMENTS[rng.below(FRAGMENTS.len())]);
            }
            chunks.push(chunk);
        }
        cases.push((maxbytes, strip, chunks));
    }
    let input: String = cases
        .iter()
        .map(|(m, s, chunks)| {
            let chunks: Vec<String> = chunks.iter().map(|c| hex(c)).collect();
            format!("{m} {} {}\n", u8::from(*s), chunks.join(","))
        })
        .collect();
    let expected = run_python(&python, SPLITTER_PY, &input, "UTC");
    for ((maxbytes, strip, chunks), want) in cases.iter().zip(expected.lines()) {
        let mut splitter = OutputSplitter::new(*maxbytes, *strip);
        let mut pieces = Vec::new();
        for chunk in chunks {
            splitter.feed(chunk, &mut pieces);
        }
        let got: Vec<String> = pieces
            .iter()
            .map(|p| match p {
                Piece::Output(d) => format!("O:{}", hex(d)),
                Piece::Captured(d) => format!("C:{}", hex(d)),
                Piece::CommEvent(d) => format!("E:{}", hex(d)),
            })
            .collect();
        let got = if got.is_empty() {
            "-".to_owned()
        } else {
            got.join(" ")
        };
        assert_eq!(
            got, want,
            "maxbytes={maxbytes} strip={strip} chunks={chunks:?}"
        );
    }
    assert_eq!(expected.lines().count(), cases.len());
}

const STRIP_PY: &str = r#"
import sys
from supervisor.dispatchers import stripEscapes
for line in sys.stdin:
    print(stripEscapes(bytes.fromhex(line.strip())).hex() or '-')
"#;

#[test]
fn strip_ansi_matches_python() {
    let Some(python) = reference_python() else {
        return;
    };
    let alphabet = b"\x1b[mHfKa3;\xff b";
    let mut rng = Rng(11);
    let cases: Vec<Vec<u8>> = (0..2000)
        .map(|_| {
            (0..rng.below(24))
                .map(|_| alphabet[rng.below(alphabet.len())])
                .collect()
        })
        .collect();
    let input: String = cases.iter().map(|c| format!("{}\n", hex(c))).collect();
    let expected = run_python(&python, STRIP_PY, &input, "UTC");
    for (case, want) in cases.iter().zip(expected.lines()) {
        let got = hex(&strip_ansi(case));
        let got = if got.is_empty() { "-".to_owned() } else { got };
        assert_eq!(got, want, "{case:?}");
    }
}

const READ_PY: &str = r#"
import sys
from supervisor.options import readFile, tailFile
for line in sys.stdin:
    path, offset, length = line.split()
    offset, length = int(offset), int(length)
    try:
        r = readFile(path, offset, length).hex() or '-'
    except ValueError as e:
        r = '!' + e.args[0]
    data, off, overflow = tailFile(path, offset, length)
    print(r, data.encode().hex() or '-', off, int(overflow))
"#;

#[test]
fn read_and_tail_match_python() {
    let Some(python) = reference_python() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut input = String::new();
    let mut cases = Vec::new();
    for size in [0usize, 1, 5, 10] {
        let path = dir.path().join(format!("f{size}"));
        std::fs::write(&path, &b"0123456789"[..size]).unwrap();
        for offset in [-12i64, -10, -3, -1, 0, 1, 3, 9, 10, 11, 20] {
            for length in [-5i64, -1, 0, 1, 3, 9, 10, 11, 20] {
                input.push_str(&format!("{} {offset} {length}\n", path.display()));
                cases.push((path.clone(), offset, length));
            }
        }
    }
    let expected = run_python(&python, READ_PY, &input, "UTC");
    for ((path, offset, length), want) in cases.iter().zip(expected.lines()) {
        let read = match read_log(path, *offset, *length) {
            Ok(data) if data.is_empty() => "-".to_owned(),
            Ok(data) => hex(&data),
            Err(LogFileError::BadArguments) => "!BAD_ARGUMENTS".to_owned(),
            Err(e) => format!("!{:?}", e.fault_code()),
        };
        let tail = tail_log(path, *offset, *length);
        let tail_hex = if tail.bytes.is_empty() {
            "-".to_owned()
        } else {
            hex(&tail.bytes)
        };
        let got = format!(
            "{read} {tail_hex} {} {}",
            tail.offset,
            u8::from(tail.overflow)
        );
        assert_eq!(
            got,
            want,
            "{} offset={offset} length={length}",
            path.display()
        );
    }
    assert_eq!(expected.lines().count(), cases.len());
}

const ROTATE_PY: &str = r#"
import os, sys
from supervisor import loggers
for line in sys.stdin:
    d, maxbytes, backups, pre, chunks = line.split()
    for item in pre.split(','):
        if item != '-':
            name, data = item.split('=')
            with open(os.path.join(d, name), 'wb') as f:
                f.write(bytes.fromhex(data))
    logger = loggers.getLogger(loggers.LevelsByName.INFO)
    loggers.handle_file(logger, os.path.join(d, 'app.log'), '%(message)s',
                        rotating=int(maxbytes) > 0, maxbytes=int(maxbytes),
                        backups=int(backups))
    for chunk in chunks.split(','):
        logger.info(bytes.fromhex(chunk))
    logger.close()
    print(' '.join('%s=%s' % (n, open(os.path.join(d, n), 'rb').read().hex())
                   for n in sorted(os.listdir(d))))
"#;

#[test]
fn rotation_matches_python() {
    let Some(python) = reference_python() else {
        return;
    };
    let root = tempfile::tempdir().unwrap();
    let mut rng = Rng(3);
    let mut input = String::new();
    let mut cases = Vec::new();
    for case in 0..150 {
        let maxbytes = [0u64, 1, 7, 16, 40][rng.below(5)];
        let backups = [0u32, 1, 2, 4][rng.below(4)];
        let mut pre = Vec::new();
        for name in ["app.log", "app.log.1", "app.log.2", "app.log.5"] {
            if rng.below(4) == 0 {
                pre.push((name, vec![b'p'; 1 + rng.below(20)]));
            }
        }
        let chunks: Vec<Vec<u8>> = (0..1 + rng.below(12))
            .map(|i| vec![b'a' + (i as u8 % 26); 1 + rng.below(25)])
            .collect();
        let py_dir = root.path().join(format!("py{case}"));
        let rs_dir = root.path().join(format!("rs{case}"));
        std::fs::create_dir(&py_dir).unwrap();
        std::fs::create_dir(&rs_dir).unwrap();
        let pre_text = if pre.is_empty() {
            "-".to_owned()
        } else {
            pre.iter()
                .map(|(n, d)| format!("{n}={}", hex(d)))
                .collect::<Vec<_>>()
                .join(",")
        };
        let chunk_text: Vec<String> = chunks.iter().map(|c| hex(c)).collect();
        input.push_str(&format!(
            "{} {maxbytes} {backups} {pre_text} {}\n",
            py_dir.display(),
            chunk_text.join(",")
        ));
        cases.push((rs_dir, maxbytes, backups, pre, chunks));
    }
    let expected = run_python(&python, ROTATE_PY, &input, "UTC");
    for ((dir, maxbytes, backups, pre, chunks), want) in cases.iter().zip(expected.lines()) {
        for (name, data) in pre {
            std::fs::write(dir.join(name), data).unwrap();
        }
        let mut file = RotatingFile::open(dir.join("app.log"), *maxbytes, *backups).unwrap();
        for chunk in chunks {
            file.write(chunk).unwrap();
        }
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        let got: Vec<String> = names
            .iter()
            .map(|n| format!("{n}={}", hex(&std::fs::read(dir.join(n)).unwrap())))
            .collect();
        assert_eq!(
            got.join(" "),
            want,
            "maxbytes={maxbytes} backups={backups} pre={pre:?} chunks={chunks:?}"
        );
    }
    assert_eq!(expected.lines().count(), cases.len());
}

const AUTOLOG_PY: &str = r#"
import re, sys
fnre = re.compile(r'.+?---%s-\S+\.log\.{0,1}\d{0,4}' % 'supervisor')
for line in sys.stdin:
    print(int(bool(fnre.match(bytes.fromhex(line.strip()).decode()))))
"#;

#[test]
fn auto_log_pattern_matches_python() {
    let Some(python) = reference_python() else {
        return;
    };
    let parts = [
        "a",
        "-",
        "---",
        "supervisor",
        "-supervisor-",
        ".log",
        ".",
        "1",
        " ",
        "\t",
        "x.lo",
        "\u{1f}",
        "é",
    ];
    let mut rng = Rng(5);
    let mut names: Vec<String> = Vec::new();
    for _ in 0..3000 {
        let mut name = String::new();
        for _ in 0..rng.below(3) {
            name.push_str(parts[rng.below(parts.len())]);
        }
        if rng.below(3) > 0 {
            name.push_str("---supervisor-");
        }
        for _ in 0..rng.below(5) {
            name.push_str(parts[rng.below(parts.len())]);
        }
        names.push(name);
    }
    let input: String = names
        .iter()
        .map(|n| format!("{}\n", hex(n.as_bytes())))
        .collect();
    let expected = run_python(&python, AUTOLOG_PY, &input, "UTC");
    let mut matched = 0;
    for (name, want) in names.iter().zip(expected.lines()) {
        let got = is_auto_child_log(name, "supervisor");
        matched += usize::from(got);
        assert_eq!(u8::from(got).to_string(), want, "{name:?}");
    }
    assert!(
        matched > 50,
        "the generator should produce matches ({matched})"
    );
}

const STAMP_PY: &str = r#"
import sys
from supervisor import loggers
for line in sys.stdin:
    t = float(line)
    loggers.time.time = lambda: t
    rec = loggers.LogRecord(loggers.LevelsByName.WARN, 'msg')
    print('%(asctime)s %(levelname)s %(message)s' % rec.asdict())
"#;

#[test]
fn record_stamp_matches_python() {
    let Some(python) = reference_python() else {
        return;
    };
    // Fractions exactly representable in binary, so Python's float arithmetic is exact.
    let instants = [
        (0u64, 0u32),
        (1_704_103_200, 500),
        (1_704_103_199, 875),
        (1_719_792_000, 125),
        (951_782_400, 250),
        (4_102_444_799, 0),
    ];
    let input: String = instants
        .iter()
        .map(|(s, ms)| format!("{s}.{ms:03}\n"))
        .collect();
    for (tz, offset) in [
        ("UTC", 0),
        ("UTC-05:30", 5 * 3600 + 1800),
        ("UTC+07", -7 * 3600),
    ] {
        let expected = run_python(&python, STAMP_PY, &input, tz);
        let clock = LocalClock::with_offset(time::UtcOffset::from_whole_seconds(offset).unwrap());
        for ((s, ms), want) in instants.iter().zip(expected.lines()) {
            let at = UNIX_EPOCH + Duration::from_secs(*s) + Duration::from_millis(u64::from(*ms));
            let got = format!("{} {} msg", clock.stamp(at), LogLevel::Warn);
            assert_eq!(got, want, "TZ={tz}");
        }
    }
}
