//! Whole-file loading through the in-memory file system never panics, whatever the
//! main file and one included file contain.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use supervisor_config::{Environment, MemFs, load, load_client};

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|b| *b == 0).unwrap_or(data.len());
    let (main, included) = data.split_at(split);
    let mut fs = MemFs::new();
    fs.add_file("/etc/supervisord.conf", main);
    fs.add_file("/etc/conf.d/a.conf", included.get(1..).unwrap_or_default());
    fs.add_user("app", 1000, 1000, "/home/app");
    fs.add_group("app", 1000);
    let env = Environment::new("/")
        .with_var("HOME", "/root")
        .with_var("X", "1");
    let _ = load(Path::new("/etc/supervisord.conf"), &env, &fs);
    let _ = load_client(Path::new("/etc/supervisord.conf"), &env, &fs);
});
