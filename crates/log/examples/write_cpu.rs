//! Daemon-side CPU per byte for log writes, measured the way `python3 -c` would measure
//! Supervisor's handler: 128 KiB chunks, wall time and rusage CPU, without and with
//! rotation, and pipe → file through user space or `splice`.
//!
//! `cargo run --release -p supervisor-log --example write_cpu [DIR]`

use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::time::Instant;

use nix::sys::resource::{UsageWho, getrusage};
use supervisor_log::{RotatingFile, Spliced};

const CHUNK: usize = 128 * 1024;

/// CPU time (user + system) of `who`.
fn cpu_seconds(who: UsageWho) -> f64 {
    let usage = getrusage(who).expect("getrusage");
    let secs = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 / 1e6;
    secs(usage.user_time()) + secs(usage.system_time())
}

fn report(name: &str, bytes: usize, wall: f64, cpu: f64) {
    let mib = bytes as f64 / f64::from(1 << 20);
    println!(
        "{name}: {:.0} MiB/s wall, {:.3} s CPU per 512 MiB, {:.2} ns/byte",
        mib / wall,
        cpu / mib * 512.0,
        cpu / bytes as f64 * 1e9
    );
}

fn measure(name: &str, bytes: usize, run: impl FnOnce()) {
    let (c0, t0) = (cpu_seconds(UsageWho::RUSAGE_SELF), Instant::now());
    run();
    let cpu = cpu_seconds(UsageWho::RUSAGE_SELF) - c0;
    report(name, bytes, t0.elapsed().as_secs_f64(), cpu);
}

fn clean(dir: &Path) {
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        std::fs::remove_file(entry.path()).expect("remove");
    }
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("supervisor-log-write-cpu"));
    std::fs::create_dir_all(&dir).expect("create dir");
    let chunk: Vec<u8> =
        b"2024-01-01 10:00:00 worker 17 handled request /api/v1/items?id=42 in 3ms\n"
            .iter()
            .copied()
            .cycle()
            .take(CHUNK)
            .collect();

    for (name, maxbytes, backups, count) in [("plain", 0, 0, 2048), ("rot", 8 << 20, 2, 4096)] {
        clean(&dir);
        let mut file = RotatingFile::open(dir.join("w.log"), maxbytes, backups).expect("open");
        measure(name, count * CHUNK, || {
            for _ in 0..count {
                file.write(&chunk).expect("write");
            }
        });
    }

    // A producer thread fills a pipe (default 64 KiB, or enlarged to 1 MiB as the daemon
    // may do with F_SETPIPE_SZ); the measured thread moves it into the file.
    for (splice, pipe_size) in [(false, 0), (true, 0), (false, 1 << 20), (true, 1 << 20)] {
        clean(&dir);
        let total = 2048 * CHUNK;
        let (mut reader, mut writer) = std::io::pipe().expect("pipe");
        if pipe_size > 0 {
            nix::fcntl::fcntl(&writer, nix::fcntl::FcntlArg::F_SETPIPE_SZ(pipe_size))
                .expect("F_SETPIPE_SZ");
        }
        let step = if pipe_size > 0 {
            pipe_size as usize
        } else {
            CHUNK
        };
        let producer_chunk = chunk.clone();
        let producer = std::thread::spawn(move || {
            for _ in 0..2048 {
                writer.write_all(&producer_chunk).expect("fill pipe");
            }
        });
        let mut file = RotatingFile::open(dir.join("p.log"), 0, 0).expect("open");
        let mut buf = vec![0u8; step];
        let (c0, t0) = (cpu_seconds(UsageWho::RUSAGE_THREAD), Instant::now());
        loop {
            if splice {
                match file
                    .splice_from(reader.as_fd(), step, false)
                    .expect("splice")
                {
                    Spliced::Drained(_) => {}
                    Spliced::Eof(_) => break,
                    other => panic!("splice answered {other:?}"),
                }
            } else {
                let n = reader.read(&mut buf).expect("read");
                if n == 0 {
                    break;
                }
                file.write(&buf[..n]).expect("write");
            }
        }
        let wall = t0.elapsed().as_secs_f64();
        let cpu = cpu_seconds(UsageWho::RUSAGE_THREAD) - c0;
        producer.join().expect("producer");
        let name = format!(
            "pipe {} KiB {}",
            if pipe_size > 0 { pipe_size / 1024 } else { 64 },
            if splice { "splice" } else { "read+write" }
        );
        report(&name, total, wall, cpu);
    }
    clean(&dir);
}
