//! Signal names and numbers (Linux numbering), as Supervisor parses and prints them.

/// Why a signal could not be parsed; the text is Supervisor's `ValueError` message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignalError {
    /// No signal has this name.
    BadName(String),
    /// The number is not a valid signal.
    BadNumber(String),
}

impl std::fmt::Display for SignalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SignalError::BadName(v) => {
                write!(f, "value {} is not a valid signal name", crate::py_repr(v))
            }
            SignalError::BadNumber(v) => {
                write!(
                    f,
                    "value {} is not a valid signal number",
                    crate::py_repr(v)
                )
            }
        }
    }
}

impl std::error::Error for SignalError {}

/// Canonical names (what [`signal_name`] prints), by number.
const NAMES: [(i32, &str); 33] = [
    (1, "SIGHUP"),
    (2, "SIGINT"),
    (3, "SIGQUIT"),
    (4, "SIGILL"),
    (5, "SIGTRAP"),
    (6, "SIGABRT"),
    (7, "SIGBUS"),
    (8, "SIGFPE"),
    (9, "SIGKILL"),
    (10, "SIGUSR1"),
    (11, "SIGSEGV"),
    (12, "SIGUSR2"),
    (13, "SIGPIPE"),
    (14, "SIGALRM"),
    (15, "SIGTERM"),
    (16, "SIGSTKFLT"),
    (17, "SIGCHLD"),
    (18, "SIGCONT"),
    (19, "SIGSTOP"),
    (20, "SIGTSTP"),
    (21, "SIGTTIN"),
    (22, "SIGTTOU"),
    (23, "SIGURG"),
    (24, "SIGXCPU"),
    (25, "SIGXFSZ"),
    (26, "SIGVTALRM"),
    (27, "SIGPROF"),
    (28, "SIGWINCH"),
    (29, "SIGPOLL"),
    (30, "SIGPWR"),
    (31, "SIGSYS"),
    (34, "SIGRTMIN"),
    (64, "SIGRTMAX"),
];

/// Other `SIG`-prefixed names of Python's `signal` module, which Supervisor's parser
/// accepts too (the mask constants and handlers among them).
const ALIASES: [(i32, &str); 8] = [
    (6, "SIGIOT"),
    (17, "SIGCLD"),
    (29, "SIGIO"),
    (0, "SIG_DFL"),
    (1, "SIG_IGN"),
    (0, "SIG_BLOCK"),
    (1, "SIG_UNBLOCK"),
    (2, "SIG_SETMASK"),
];

/// The numbers Supervisor accepts: the values of every `SIG*` name in Python's `signal`
/// module, which leaves out the unnamed real-time signals 35 to 63.
const fn is_valid(num: i32) -> bool {
    matches!(num, 0..=31 | 34 | 64)
}

/// Parses a signal as Supervisor's `signal_number`: a number, or a name with or without
/// the `SIG` prefix in any case (`TERM`, `sigterm`, `15`).
pub fn signal_number(value: &str) -> Result<i32, SignalError> {
    // `int()` strips Unicode white space; `str.strip()` also the separators \x1c-\x1f.
    let num = match py_int(value.trim()) {
        Some(n) => i32::try_from(n).map_err(|_| SignalError::BadNumber(value.to_owned()))?,
        None => {
            let upper = value.trim_matches(crate::py_isspace).to_uppercase();
            let name = if upper.starts_with("SIG") {
                upper
            } else {
                format!("SIG{upper}")
            };
            NAMES
                .iter()
                .chain(ALIASES.iter())
                .find(|(_, n)| *n == name)
                .map(|(num, _)| *num)
                .ok_or_else(|| SignalError::BadName(value.to_owned()))?
        }
    };
    if is_valid(num) {
        Ok(num)
    } else {
        Err(SignalError::BadNumber(value.to_owned()))
    }
}

/// Python's `int(text)` for decimal text already stripped: an optional sign, then digits
/// with single underscores between them. `None` when it is not such a number (or does
/// not fit in 64 bits).
fn py_int(text: &str) -> Option<i64> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    let well_formed = !digits.is_empty()
        && !digits.starts_with('_')
        && !digits.ends_with('_')
        && !digits.contains("__")
        && digits.chars().all(|c| c.is_ascii_digit() || c == '_');
    if !well_formed {
        return None;
    }
    let n: i64 = digits.replace('_', "").parse().ok()?;
    Some(if text.starts_with('-') { -n } else { n })
}

/// The name Supervisor prints for a signal number (`SIGTERM`), or `signal N` for one
/// without a name.
pub fn signal_name(num: i32) -> String {
    NAMES
        .iter()
        .find(|(n, _)| *n == num)
        .map(|(_, name)| (*name).to_owned())
        .unwrap_or_else(|| format!("signal {num}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_numbers_and_aliases() {
        assert_eq!(signal_number("TERM"), Ok(15));
        assert_eq!(signal_number("sigkill"), Ok(9));
        assert_eq!(signal_number(" HUP "), Ok(1));
        assert_eq!(signal_number("IOT"), Ok(6));
        assert_eq!(signal_number("12"), Ok(12));
        assert_eq!(signal_number("rtmax"), Ok(64));
    }

    #[test]
    fn errors_match_supervisor_wording() {
        assert_eq!(
            signal_number("BOGUS").unwrap_err().to_string(),
            "value 'BOGUS' is not a valid signal name"
        );
        assert_eq!(
            signal_number("32").unwrap_err().to_string(),
            "value '32' is not a valid signal number"
        );
        assert_eq!(signal_number("0"), Ok(0));
        assert_eq!(signal_number("_DFL"), Ok(0));
        assert!(signal_number("35").is_err());
        assert!(signal_number("RTMIN+1").is_err());
        assert_eq!(signal_number("1_5"), Ok(15));
        assert!(matches!(
            signal_number("\x1c9\x1c"),
            Err(SignalError::BadName(_))
        ));
        assert!(matches!(
            signal_number("1__5"),
            Err(SignalError::BadName(_))
        ));
        assert_eq!(signal_number("\u{17f}igterm"), Ok(15));
        assert_eq!(
            signal_number("it's").unwrap_err().to_string(),
            "value \"it's\" is not a valid signal name"
        );
        assert_eq!(
            signal_number("99999999999").unwrap_err().to_string(),
            "value '99999999999' is not a valid signal number"
        );
    }

    #[test]
    fn printed_names() {
        assert_eq!(signal_name(6), "SIGABRT");
        assert_eq!(signal_name(29), "SIGPOLL");
        assert_eq!(signal_name(33), "signal 33");
    }
}
