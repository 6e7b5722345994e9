//! Log writing throughput: what one chatty child costs the daemon per byte.
//!
//! * `file_write/*`: 128 KiB chunks (what the daemon reads per call) appended with
//!   `RotatingFile::write`, without rotation (`maxbytes = 0`) and rotating every 8 MiB;
//!   plus 100-byte lines, the small-write worst case.
//! * `pipe_to_file/*`: a producer fills a pipe with 64 KiB and the log takes it, through
//!   user space (`read` + `write`) or with `splice_from`; both include the producer's write.
//! * `child_output/*`: the per-byte helpers that the general path may add (`strip_ansi`,
//!   capture-mode splitting) on 128 KiB of text.
//! * `main_log/record`: one formatted main-log record to a file.
//!
//! Files are truncated outside the timed region so the disk use stays bounded.

use std::hint::black_box;
use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::path::PathBuf;
use std::time::{Duration, Instant, UNIX_EPOCH};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use supervisor_log::{
    Handler, LocalClock, Logger, OutputSplitter, RotatingFile, Spliced, strip_ansi,
};
use supervisor_types::LogLevel;

const CHUNK: usize = 128 * 1024;
const PIPE_CHUNK: usize = 64 * 1024;

struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!(
            "supervisor-log-bench-{}-{name}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn text(len: usize) -> Vec<u8> {
    b"2024-01-01 10:00:00 worker 17 handled request /api/v1/items?id=42 in 3ms\n"
        .iter()
        .copied()
        .cycle()
        .take(len)
        .collect()
}

/// Times `iters` writes of `chunk`, truncating (untimed) every 1 GiB.
fn timed_writes(file: &mut RotatingFile, chunk: &[u8], iters: u64) -> Duration {
    let per_gib = (1u64 << 30) / chunk.len() as u64;
    let mut spent = Duration::ZERO;
    let mut done = 0;
    while done < iters {
        let batch = (iters - done).min(per_gib);
        let start = Instant::now();
        for _ in 0..batch {
            file.write(black_box(chunk)).unwrap();
        }
        spent += start.elapsed();
        done += batch;
        std::fs::OpenOptions::new()
            .write(true)
            .open(file.path())
            .unwrap()
            .set_len(0)
            .unwrap();
    }
    spent
}

fn file_write(c: &mut Criterion) {
    let scratch = Scratch::new("write");
    let chunk = text(CHUNK);
    let line = text(100);
    let mut group = c.benchmark_group("file_write");
    group.throughput(Throughput::Bytes(CHUNK as u64));
    group.bench_function("128KiB_no_rotation", |b| {
        let mut file = RotatingFile::open(scratch.0.join("plain.log"), 0, 0).unwrap();
        b.iter_custom(|iters| timed_writes(&mut file, &chunk, iters));
    });
    group.bench_function("128KiB_rotating_8MiB_x2", |b| {
        let mut file = RotatingFile::open(scratch.0.join("rot.log"), 8 << 20, 2).unwrap();
        b.iter_custom(|iters| timed_writes(&mut file, &chunk, iters));
    });
    group.throughput(Throughput::Bytes(line.len() as u64));
    group.bench_function("100B_lines_no_rotation", |b| {
        let mut file = RotatingFile::open(scratch.0.join("lines.log"), 0, 0).unwrap();
        b.iter_custom(|iters| timed_writes(&mut file, &line, iters));
    });
    group.finish();
}

fn pipe_to_file(c: &mut Criterion) {
    let scratch = Scratch::new("pipe");
    let chunk = text(PIPE_CHUNK);
    let mut group = c.benchmark_group("pipe_to_file");
    group.throughput(Throughput::Bytes(PIPE_CHUNK as u64));
    group.bench_function("read_write_64KiB", |b| {
        let (mut reader, mut writer) = std::io::pipe().unwrap();
        let mut file = RotatingFile::open(scratch.0.join("rw.log"), 64 << 20, 1).unwrap();
        let mut buf = vec![0u8; CHUNK];
        b.iter(|| {
            writer.write_all(&chunk).unwrap();
            let mut left = PIPE_CHUNK;
            while left > 0 {
                let n = reader.read(&mut buf[..left]).unwrap();
                file.write(&buf[..n]).unwrap();
                left -= n;
            }
        });
    });
    group.bench_function("splice_64KiB", |b| {
        let (reader, mut writer) = std::io::pipe().unwrap();
        let mut file = RotatingFile::open(scratch.0.join("splice.log"), 64 << 20, 1).unwrap();
        b.iter(|| {
            writer.write_all(&chunk).unwrap();
            let mut left = PIPE_CHUNK;
            while left > 0 {
                match file.splice_from(reader.as_fd(), CHUNK, false).unwrap() {
                    Spliced::Drained(n) => left -= n as usize,
                    other => panic!("splice answered {other:?}"),
                }
            }
        });
    });
    group.finish();
}

fn child_output(c: &mut Criterion) {
    let plain = text(CHUNK);
    let mut colored = Vec::new();
    for line in plain.split_inclusive(|&b| b == b'\n') {
        colored.extend_from_slice(b"\x1b[32m");
        colored.extend_from_slice(line);
        colored.extend_from_slice(b"\x1b[0m");
    }
    let mut group = c.benchmark_group("child_output");
    group.throughput(Throughput::Bytes(CHUNK as u64));
    group.bench_function("strip_ansi_plain_128KiB", |b| {
        b.iter(|| black_box(strip_ansi(black_box(&plain))).len())
    });
    group.bench_function("strip_ansi_colored", |b| {
        b.iter(|| black_box(strip_ansi(black_box(&colored))).len())
    });
    group.bench_function("capture_splitter_128KiB", |b| {
        let mut splitter = OutputSplitter::new(1 << 20, false);
        let mut pieces = Vec::new();
        b.iter(|| {
            pieces.clear();
            splitter.feed(black_box(&plain), &mut pieces);
            pieces.len()
        })
    });
    group.finish();
}

fn main_log(c: &mut Criterion) {
    let scratch = Scratch::new("main");
    let mut logger = Logger::new(LogLevel::Info, LocalClock::utc());
    logger.add_handler(Handler::File(
        RotatingFile::open(scratch.0.join("supervisord.log"), 64 << 20, 1).unwrap(),
    ));
    let at = UNIX_EPOCH + Duration::from_millis(1_704_103_200_123);
    c.bench_function("main_log/record", |b| {
        b.iter(|| {
            logger
                .log_at(LogLevel::Info, black_box("spawned: 'foo' with pid 42"), at)
                .unwrap()
        })
    });
}

criterion_group!(benches, file_write, pipe_to_file, child_output, main_log);
criterion_main!(benches);
