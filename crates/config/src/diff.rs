//! Comparing two loaded configurations group by group, as `reloadConfig` (and
//! supervisorctl's `reread` / `update`) does.

use crate::model::GroupConfig;

/// The groups that differ between the running configuration and a newly loaded one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupDiff {
    /// Names of groups only in the new configuration, in its order.
    pub added: Vec<String>,
    /// Names of groups in both whose settings differ, in the new configuration's order.
    pub changed: Vec<String>,
    /// Names of groups only in the current configuration, in its order.
    pub removed: Vec<String>,
}

impl GroupDiff {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }
}

/// Diffs `current` against `new` as Supervisor's `diff_to_active`: a group is added or
/// removed by name; it changed when any setting of the group or of one of its
/// processes differs. When several groups share a name, the last one counts for
/// lookups, as in Supervisor's dictionaries.
///
/// ```
/// use std::path::Path;
/// use supervisor_config::{Environment, MemFs, diff_groups, load};
///
/// let env = Environment::new("/");
/// let mut fs = MemFs::new();
/// fs.add_file("/a.conf", "[supervisord]\n[program:x]\ncommand=x\n[program:y]\ncommand=y\n");
/// fs.add_file("/b.conf", "[supervisord]\n[program:x]\ncommand=x2\n[program:z]\ncommand=z\n");
/// let a = load(Path::new("/a.conf"), &env, &fs).unwrap();
/// let b = load(Path::new("/b.conf"), &env, &fs).unwrap();
/// let d = diff_groups(&a.groups, &b.groups);
/// assert_eq!((d.added, d.changed, d.removed), (vec!["z".to_owned()], vec!["x".to_owned()], vec!["y".to_owned()]));
/// ```
pub fn diff_groups(current: &[GroupConfig], new: &[GroupConfig]) -> GroupDiff {
    let last = |list: &'_ [GroupConfig], name: &str| -> Option<usize> {
        list.iter().rposition(|g| g.name == name)
    };
    let added = new
        .iter()
        .filter(|g| last(current, &g.name).is_none())
        .map(|g| g.name.clone())
        .collect();
    let removed = current
        .iter()
        .filter(|g| last(new, &g.name).is_none())
        .map(|g| g.name.clone())
        .collect();
    let changed = new
        .iter()
        .filter(|g| last(current, &g.name).is_some_and(|i| current[i] != **g))
        .map(|g| g.name.clone())
        .collect();
    GroupDiff {
        added,
        changed,
        removed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::GroupKind;

    fn group(name: &str, priority: i64) -> GroupConfig {
        GroupConfig {
            name: name.to_owned(),
            priority,
            kind: GroupKind::Program,
            processes: Vec::new(),
        }
    }

    #[test]
    fn identical_configs_have_no_diff() {
        let a = vec![group("a", 1), group("b", 2)];
        assert!(diff_groups(&a, &a.clone()).is_empty());
    }

    #[test]
    fn priority_change_is_a_change() {
        let d = diff_groups(&[group("a", 1)], &[group("a", 2)]);
        assert_eq!(d.changed, vec!["a"]);
        assert!(d.added.is_empty() && d.removed.is_empty());
    }

    #[test]
    fn kind_change_is_a_change() {
        let mut b = group("a", 1);
        b.kind = GroupKind::EventListener {
            buffer_size: 10,
            events: vec!["TICK".into()],
            result_handler: "supervisor.dispatchers:default_handler".into(),
        };
        assert_eq!(diff_groups(&[group("a", 1)], &[b]).changed, vec!["a"]);
    }
}
