//! Tab completion as Python's supervisorctl does it with readline: command names first,
//! then group names (`add`, `remove`, `update`) or process names (`start`, `status`, ...).

use crate::format::COMMANDS;
use crate::rpc::ProcessInfo;

/// Characters that end a word for completion: readline's defaults without `:`, `*` and
/// `-`, so that `group:name`, `group:*` and names with dashes complete as one word.
pub const WORD_BREAKS: &str = " \t\n\"\\'`@$><=;|&{(";

/// What the word under the cursor should complete to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A command name.
    Action,
    /// A group name.
    Group,
    /// A process name, `group:name` or `group:*`.
    Process,
    /// Nothing.
    Nothing,
}

/// Decides from the whole line what is being completed.
pub fn kind(line: &str) -> Kind {
    let words: Vec<&str> = line.split_whitespace().collect();
    let Some(action) = words.first() else {
        return Kind::Action;
    };
    if words.len() == 1 && !line.ends_with(' ') {
        return Kind::Action;
    }
    // Python tests `action in ('help')`, a substring test on "help".
    if "help".contains(action) {
        return Kind::Action;
    }
    match *action {
        "add" | "remove" | "update" => Kind::Group,
        "clear" | "fg" | "pid" | "restart" | "signal" | "start" | "status" | "stop" | "tail" => {
            Kind::Process
        }
        _ => Kind::Nothing,
    }
}

/// Where the word under the cursor starts (byte index into `line`).
pub fn word_start(line: &str, pos: usize) -> usize {
    line[..pos]
        .char_indices()
        .rev()
        .find(|(_, c)| WORD_BREAKS.contains(*c))
        .map_or(0, |(i, c)| i + c.len_utf8())
}

/// Command names starting with `text`, each followed by a space.
pub fn actions(text: &str) -> Vec<String> {
    let mut names = vec!["help"];
    names.extend(COMMANDS.iter().copied().filter(|c| *c != "help"));
    names
        .into_iter()
        .filter(|a| a.starts_with(text))
        .map(|a| format!("{a} "))
        .collect()
}

/// Group names starting with `text`, each followed by a space.
pub fn groups(text: &str, infos: &[ProcessInfo]) -> Vec<String> {
    let mut groups: Vec<&str> = Vec::new();
    for info in infos {
        if !groups.contains(&info.group.as_str()) {
            groups.push(&info.group);
        }
    }
    groups
        .into_iter()
        .filter(|g| g.starts_with(text))
        .map(|g| format!("{g} "))
        .collect()
}

/// Process names starting with `text`, each followed by a space: `name` for a process
/// alone in its same-named group, else `group:name` and `group:*`.
pub fn processes(text: &str, infos: &[ProcessInfo]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for info in infos {
        if text.contains(':') || info.name != info.group {
            names.push(format!("{}:{}", info.group, info.name));
            let all = format!("{}:*", info.group);
            if !names.contains(&all) {
                names.push(all);
            }
        } else {
            names.push(info.name.clone());
        }
    }
    names
        .into_iter()
        .filter(|n| n.starts_with(text))
        .map(|n| format!("{n} "))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(group: &str, name: &str) -> ProcessInfo {
        ProcessInfo {
            name: name.into(),
            group: group.into(),
            state: 20,
            statename: "RUNNING".into(),
            description: String::new(),
            pid: 1,
        }
    }

    #[test]
    fn kinds_follow_the_first_word() {
        assert_eq!(kind(""), Kind::Action);
        assert_eq!(kind("sta"), Kind::Action);
        assert_eq!(kind("start "), Kind::Process);
        assert_eq!(kind("start fo"), Kind::Process);
        assert_eq!(kind("help st"), Kind::Action);
        assert_eq!(kind("he st"), Kind::Action);
        assert_eq!(kind("update g"), Kind::Group);
        assert_eq!(kind("version "), Kind::Nothing);
    }

    #[test]
    fn word_breaks_keep_namespecs_whole() {
        assert_eq!(word_start("start grp:a", 11), 6);
        assert_eq!(word_start("start my-prog", 13), 6);
        assert_eq!(word_start("sta", 3), 0);
    }

    #[test]
    fn completions_match_python() {
        assert_eq!(actions("st"), ["start ", "status ", "stop "]);
        assert_eq!(actions("he"), ["help "]);
        let infos = [info("grp", "a"), info("grp", "b"), info("solo", "solo")];
        assert_eq!(groups("", &infos), ["grp ", "solo "]);
        assert_eq!(
            processes("", &infos),
            ["grp:a ", "grp:* ", "grp:b ", "solo "]
        );
        assert_eq!(processes("so", &infos), ["solo "]);
        assert_eq!(processes("solo:", &infos), ["solo:solo ", "solo:* "]);
    }
}
