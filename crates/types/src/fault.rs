//! XML-RPC fault codes, as Supervisor's `xmlrpc.Faults`.

/// A fault code of Supervisor's XML-RPC interface. The wire form is `faultCode` (the
/// number) and `faultString` (the name, then `: detail` when there is one).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FaultCode {
    /// 1: the method does not exist.
    UnknownMethod,
    /// 2: wrong number or types of parameters.
    IncorrectParameters,
    /// 3: parameter values out of range.
    BadArguments,
    /// 4: signature not supported.
    SignatureUnsupported,
    /// 6: supervisord is shutting down.
    ShutdownState,
    /// 10: no such process or group.
    BadName,
    /// 11: no such signal.
    BadSignal,
    /// 20: no such file.
    NoFile,
    /// 21: the command is not executable.
    NotExecutable,
    /// 30: the operation failed.
    Failed,
    /// 40: the process ended abnormally.
    AbnormalTermination,
    /// 50: the process could not be spawned.
    SpawnError,
    /// 60: the process is already started.
    AlreadyStarted,
    /// 70: the process is not running.
    NotRunning,
    /// 80: success (used inside multi-process results).
    Success,
    /// 90: the group is already added.
    AlreadyAdded,
    /// 91: the group still has running processes.
    StillRunning,
    /// 92: the configuration could not be re-read.
    CantReread,
}

impl FaultCode {
    /// Every fault code, in numeric order.
    pub const ALL: [FaultCode; 18] = [
        FaultCode::UnknownMethod,
        FaultCode::IncorrectParameters,
        FaultCode::BadArguments,
        FaultCode::SignatureUnsupported,
        FaultCode::ShutdownState,
        FaultCode::BadName,
        FaultCode::BadSignal,
        FaultCode::NoFile,
        FaultCode::NotExecutable,
        FaultCode::Failed,
        FaultCode::AbnormalTermination,
        FaultCode::SpawnError,
        FaultCode::AlreadyStarted,
        FaultCode::NotRunning,
        FaultCode::Success,
        FaultCode::AlreadyAdded,
        FaultCode::StillRunning,
        FaultCode::CantReread,
    ];

    /// The number sent as `faultCode`.
    pub const fn code(self) -> i32 {
        match self {
            FaultCode::UnknownMethod => 1,
            FaultCode::IncorrectParameters => 2,
            FaultCode::BadArguments => 3,
            FaultCode::SignatureUnsupported => 4,
            FaultCode::ShutdownState => 6,
            FaultCode::BadName => 10,
            FaultCode::BadSignal => 11,
            FaultCode::NoFile => 20,
            FaultCode::NotExecutable => 21,
            FaultCode::Failed => 30,
            FaultCode::AbnormalTermination => 40,
            FaultCode::SpawnError => 50,
            FaultCode::AlreadyStarted => 60,
            FaultCode::NotRunning => 70,
            FaultCode::Success => 80,
            FaultCode::AlreadyAdded => 90,
            FaultCode::StillRunning => 91,
            FaultCode::CantReread => 92,
        }
    }

    /// The fault with this number, if any.
    pub fn from_code(code: i32) -> Option<FaultCode> {
        Self::ALL.into_iter().find(|f| f.code() == code)
    }

    /// The name that starts `faultString`, e.g. `BAD_NAME`.
    pub const fn name(self) -> &'static str {
        match self {
            FaultCode::UnknownMethod => "UNKNOWN_METHOD",
            FaultCode::IncorrectParameters => "INCORRECT_PARAMETERS",
            FaultCode::BadArguments => "BAD_ARGUMENTS",
            FaultCode::SignatureUnsupported => "SIGNATURE_UNSUPPORTED",
            FaultCode::ShutdownState => "SHUTDOWN_STATE",
            FaultCode::BadName => "BAD_NAME",
            FaultCode::BadSignal => "BAD_SIGNAL",
            FaultCode::NoFile => "NO_FILE",
            FaultCode::NotExecutable => "NOT_EXECUTABLE",
            FaultCode::Failed => "FAILED",
            FaultCode::AbnormalTermination => "ABNORMAL_TERMINATION",
            FaultCode::SpawnError => "SPAWN_ERROR",
            FaultCode::AlreadyStarted => "ALREADY_STARTED",
            FaultCode::NotRunning => "NOT_RUNNING",
            FaultCode::Success => "SUCCESS",
            FaultCode::AlreadyAdded => "ALREADY_ADDED",
            FaultCode::StillRunning => "STILL_RUNNING",
            FaultCode::CantReread => "CANT_REREAD",
        }
    }

    /// `faultString` as Supervisor builds it: the name, then `: detail` when given.
    pub fn fault_string(self, detail: Option<&str>) -> String {
        match detail {
            Some(d) => format!("{}: {}", self.name(), d),
            None => self.name().to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_sorted() {
        let mut last = 0;
        for f in FaultCode::ALL {
            assert!(f.code() > last);
            last = f.code();
            assert_eq!(FaultCode::from_code(f.code()), Some(f));
        }
        assert_eq!(FaultCode::from_code(5), None);
    }

    #[test]
    fn fault_string_matches_supervisor() {
        assert_eq!(
            FaultCode::BadName.fault_string(Some("foo")),
            "BAD_NAME: foo"
        );
        assert_eq!(FaultCode::NotRunning.fault_string(None), "NOT_RUNNING");
    }
}
