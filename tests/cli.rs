//! supervisord's command line: errors, usage and version, side by side with Python's.

use std::process::{Command, Stdio};

use crate::util::{Impl, Scene, binary, reference};

/// Runs supervisord of `which` with `args` (it must fail before starting anything);
/// returns (exit code, stdout, stderr) with the program path replaced by `supervisord`.
fn run(which: Impl, scene: &Scene, args: &[&str]) -> (i32, String, String) {
    let bin = binary(which, "supervisord");
    let out = Command::new(&bin)
        .args(args)
        .current_dir(scene.dir.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let clean = |b: &[u8]| {
        String::from_utf8_lossy(b)
            .replace(&bin.display().to_string(), "supervisord")
            .replace(&scene.dir.path().display().to_string(), "<DIR>")
    };
    (
        out.status.code().unwrap_or(-1),
        clean(&out.stdout),
        clean(&out.stderr),
    )
}

#[test]
fn oracle_command_line_errors_match_python() {
    if reference().is_none() {
        return;
    }
    let scene = Scene::new("");
    let conf = scene.conf().display().to_string();
    let cases: Vec<Vec<&str>> = vec![
        vec!["-n", "--nosuch", "-c", &conf],
        vec!["-n", "-x", "-c", &conf],
        vec!["-n", "-c"],
        vec!["-n", "-c", &conf, "positional"],
        vec!["-n", "-m", "9z", "-c", &conf],
        vec!["-n", "-d", "/nonexistent", "-c", &conf],
        vec!["-n", "-l", "/nonexistent/x.log", "-c", &conf],
        vec!["-n", "-q", "/nonexistent", "-c", &conf],
        vec!["-n", "-j", "/nonexistent/p.pid", "-c", &conf],
        vec!["-n", "-z", "x", "-c", &conf],
        vec!["-n", "-c", "/nonexistent.conf"],
        vec!["-v"],
    ];
    for args in cases {
        let ours = run(Impl::Ours, &scene, &args);
        let python = run(Impl::Python, &scene, &args);
        assert_eq!(ours, python, "supervisord {}", args.join(" "));
    }
}
