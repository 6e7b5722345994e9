//! Shared helpers for tests that compare against the Python reference.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

/// The reference virtualenv: `$SUPERVISOR_REF`, else the workspace's `.ref`. `None`
/// (after printing why) when it is absent and `CI` is not `true`; panics under CI.
pub fn reference() -> Option<PathBuf> {
    let dir = match std::env::var_os("SUPERVISOR_REF") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.ref"),
    };
    if dir.join("bin/python").exists() {
        return Some(dir);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "the Python reference is required under CI but {} is missing",
            dir.display()
        );
    }
    eprintln!(
        "skipping: Python reference not found at {} (set SUPERVISOR_REF)",
        dir.display()
    );
    None
}

/// Runs the reference's Python on `script` with `args`; returns stdout.
pub fn python(reference: &std::path::Path, script: &str, args: &[&str]) -> String {
    let out = Command::new(reference.join("bin/python"))
        .arg("-c")
        .arg(script)
        .args(args)
        .env("PYTHONIOENCODING", "utf-8")
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// The installed `supervisor` package directory.
pub fn package_dir(reference: &std::path::Path) -> PathBuf {
    let out = python(
        reference,
        "import os, supervisor; print(os.path.dirname(supervisor.__file__))",
        &[],
    );
    PathBuf::from(out.trim())
}
