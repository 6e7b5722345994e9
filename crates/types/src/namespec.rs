//! Namespecs: how clients name a process or a group.

/// A parsed namespec: `name` (group and process of the same name), `group:name`, or
/// `group:*` / `group:` (the whole group), as Supervisor's `split_namespec`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Namespec<'a> {
    /// The group part.
    pub group: &'a str,
    /// The process part; `None` means every process of the group.
    pub process: Option<&'a str>,
}

impl<'a> Namespec<'a> {
    /// Splits a namespec at its first `:`.
    ///
    /// ```
    /// use supervisor_types::Namespec;
    /// assert_eq!(Namespec::parse("foo"), Namespec { group: "foo", process: Some("foo") });
    /// assert_eq!(Namespec::parse("g:p"), Namespec { group: "g", process: Some("p") });
    /// assert_eq!(Namespec::parse("g:"), Namespec { group: "g", process: None });
    /// ```
    pub fn parse(spec: &'a str) -> Namespec<'a> {
        match spec.split_once(':') {
            Some((group, "" | "*")) => Namespec {
                group,
                process: None,
            },
            Some((group, process)) => Namespec {
                group,
                process: Some(process),
            },
            None => Namespec {
                group: spec,
                process: Some(spec),
            },
        }
    }
}

/// The namespec of one process: `name` when group and process share it, else
/// `group:name` (Supervisor's `make_namespec`).
pub fn make_namespec(group: &str, process: &str) -> String {
    if group == process {
        process.to_owned()
    } else {
        format!("{group}:{process}")
    }
}

impl Namespec<'_> {
    /// The canonical text of a single-process namespec (see [`make_namespec`]).
    pub fn make(group: &str, process: &str) -> String {
        make_namespec(group, process)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_the_first_colon_only() {
        assert_eq!(
            Namespec::parse("a:b:c"),
            Namespec {
                group: "a",
                process: Some("b:c")
            }
        );
    }

    #[test]
    fn star_and_empty_mean_the_whole_group() {
        assert_eq!(Namespec::parse("g:*").process, None);
        assert_eq!(Namespec::parse("g:").process, None);
    }

    #[test]
    fn make_joins_unless_equal() {
        assert_eq!(Namespec::make("x", "x"), "x");
        assert_eq!(Namespec::make("g", "x"), "g:x");
    }
}
