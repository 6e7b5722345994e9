//! Loading a 500-program configuration (with expansions and numprocs) from the
//! in-memory file system; the budget is well under 5 ms. The same text is loaded by
//! `crates/config/examples/load_500.rs` for instruction counts under callgrind (keep the
//! two in step).

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use supervisor_config::{Environment, Ini, MemFs, load};

fn config_text(programs: usize) -> String {
    let mut text = String::from(
        "[unix_http_server]\nfile=%(here)s/supervisor.sock\n\
         [supervisord]\nlogfile=%(here)s/supervisord.log\nenvironment=A=\"1\",B='two'\n\
         [rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\
         [supervisorctl]\nserverurl=unix://%(here)s/supervisor.sock\n",
    );
    for i in 0..programs {
        let _ = write!(
            text,
            "\n[program:app{i}]\n\
             command=/usr/bin/app --id {i} --port=80%(process_num)02d ; inline comment\n\
             process_name=%(program_name)s_%(process_num)s\n\
             numprocs=2\n\
             directory=%(here)s\n\
             priority={}\n\
             autorestart=true\n\
             stopsignal=INT\n\
             stdout_logfile=%(here)s/%(program_name)s-%(process_num)s.log\n\
             stdout_logfile_maxbytes=10MB\n\
             environment=HOME=\"/home/app\",PORT=\"80%(process_num)02d\"\n",
            i % 50
        );
    }
    text
}

fn bench(c: &mut Criterion) {
    let text = config_text(500);
    let mut fs = MemFs::new();
    fs.add_file("/etc/supervisord.conf", &text);
    let env = Environment::new("/")
        .with_var("PATH", "/usr/bin:/bin")
        .with_var("HOME", "/root");
    let config = load(Path::new("/etc/supervisord.conf"), &env, &fs).unwrap();
    assert_eq!(config.groups.len(), 500);
    c.bench_function("config_load_500_programs", |b| {
        b.iter(|| load(black_box(Path::new("/etc/supervisord.conf")), &env, &fs).unwrap())
    });
    c.bench_function("config_lex_500_programs", |b| {
        b.iter(|| Ini::parse(black_box(&text), "supervisord.conf").unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
