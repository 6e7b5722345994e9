//! Python `%`-expansion over a mapping never panics; text without `%` is unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use supervisor_config::py::{Expansions, Value, format};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut map = Expansions::new();
    map.set_str("here", "/etc");
    map.set_str("program_name", "app");
    map.set("process_num", Value::Int(3));
    map.set("numprocs", Value::Int(-12));
    let result = format(text, &map);
    if !text.contains('%') {
        assert_eq!(result.as_deref(), Ok(text));
    }
});
