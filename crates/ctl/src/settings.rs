//! Reading the `[supervisorctl]` section of a config file as Python's
//! `ClientOptions.read_config` does: `%(ENV_X)s` and `%(here)s` expansion, `unix://`
//! and `history_file` paths made absolute, Python's error texts.

use std::path::Path;

use supervisor_config::Ini;
use supervisor_config::py::{Expansions, FormatError, format, repr};

use crate::options::FileSettings;

/// Python's `os.path.normpath(os.path.abspath(os.path.expanduser(p)))`, with the home
/// directory and working directory given.
pub fn normalize_path(p: &str, home: Option<&str>, cwd: &str) -> String {
    let expanded = match (p.strip_prefix('~'), home) {
        (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with('/') => {
            format!("{}{rest}", home.trim_end_matches('/'))
        }
        _ => p.to_owned(),
    };
    let absolute = if expanded.starts_with('/') {
        expanded
    } else {
        format!("{cwd}/{expanded}")
    };
    let double = absolute.starts_with("//") && !absolute.starts_with("///");
    let mut parts: Vec<&str> = Vec::new();
    for part in absolute.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("{}{}", if double { "//" } else { "/" }, parts.join("/"))
}

/// Python's `os.path.dirname`.
fn dirname(p: &str) -> &str {
    match p.rfind('/') {
        Some(0) => "/",
        Some(i) => p[..i].trim_end_matches('/'),
        None => "",
    }
}

/// The host facts the loader needs.
pub struct Host<'a> {
    /// The environment, for `%(ENV_X)s`.
    pub env: &'a [(String, String)],
    /// `$HOME`, for `~`.
    pub home: Option<&'a str>,
    /// The working directory, for relative paths.
    pub cwd: &'a str,
}

fn expand(value: &str, map: &Expansions, name: &str) -> Result<String, String> {
    format(value, map).map_err(|e| match e {
        FormatError::MissingName(key) => format!(
            "Format string {} for {} contains names ({}) which cannot be expanded. Available names: {}",
            repr(value),
            repr(name),
            repr(&key),
            map.sorted_names().join(", ")
        ),
        FormatError::Bad(msg) => format!(
            "Format string {} for {} is badly formatted: {msg}",
            repr(value),
            repr(name)
        ),
    })
}

/// Reads `[supervisorctl]` from the file at `path` whose text is `text`. The error is the
/// message Python passes to its usage error.
pub fn parse_settings(path: &str, text: &str, host: &Host<'_>) -> Result<FileSettings, String> {
    let here = dirname(&normalize_path(path, host.home, host.cwd)).to_owned();
    let ini = Ini::parse(text, path).map_err(|e| e.to_string())?;
    if !ini.has_section("supervisorctl") {
        return Err(".ini file does not include supervisorctl section".to_owned());
    }
    let mut env = Expansions::new();
    for (k, v) in host.env {
        env.set_str(&format!("ENV_{k}"), v);
    }
    let mut with_here = env.clone();
    with_here.set_str("here", &here);
    let get = |key: &str, map: &Expansions| -> Result<Option<String>, String> {
        ini.get("supervisorctl", key)
            .map(|v| expand(v, map, &format!("supervisorctl.{key}")))
            .transpose()
    };
    let serverurl = get("serverurl", &with_here)?.map(|url| match url.strip_prefix("unix://") {
        Some(path) => format!("unix://{}", normalize_path(path, host.home, host.cwd)),
        None => url,
    });
    let history_file = get("history_file", &with_here)?
        .filter(|h| !h.is_empty())
        .map(|h| normalize_path(&h, host.home, host.cwd));
    Ok(FileSettings {
        serverurl,
        prompt: get("prompt", &env)?,
        username: get("username", &env)?,
        password: get("password", &env)?,
        history_file,
    })
}

/// Reads the file at `path` and its `[supervisorctl]` section.
pub fn load_settings(path: &str, host: &Host<'_>) -> Result<FileSettings, String> {
    if !Path::new(path).exists() {
        return Err(format!("could not find config file {path}"));
    }
    let text =
        std::fs::read_to_string(path).map_err(|_| format!("could not read config file {path}"))?;
    parse_settings(path, &text, host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host() -> (Vec<(String, String)>, &'static str) {
        (vec![("USER".to_owned(), "bob".to_owned())], "/work")
    }

    #[test]
    fn normalize_like_python() {
        assert_eq!(normalize_path("a/../b/./c", None, "/w"), "/w/b/c");
        assert_eq!(normalize_path("~/x", Some("/home/u/"), "/w"), "/home/u/x");
        assert_eq!(normalize_path("//x//y/", None, "/w"), "//x/y");
        assert_eq!(normalize_path("/..", None, "/w"), "/");
    }

    #[test]
    fn reads_and_expands_the_section() {
        let (env, cwd) = host();
        let h = Host {
            env: &env,
            home: None,
            cwd,
        };
        let text = "[supervisorctl]\nserverurl=unix://%(here)s/../run/s.sock\nusername=%(ENV_USER)s\nprompt=hi\nhistory_file=h.txt\n";
        let s = parse_settings("etc/sd.conf", text, &h).unwrap();
        assert_eq!(s.serverurl.as_deref(), Some("unix:///work/run/s.sock"));
        assert_eq!(s.username.as_deref(), Some("bob"));
        assert_eq!(s.prompt.as_deref(), Some("hi"));
        assert_eq!(s.history_file.as_deref(), Some("/work/h.txt"));
        assert_eq!(s.password, None);
    }

    #[test]
    fn errors_read_like_python() {
        let (env, cwd) = host();
        let h = Host {
            env: &env,
            home: None,
            cwd,
        };
        assert_eq!(
            parse_settings("x.conf", "[supervisord]\n", &h).unwrap_err(),
            ".ini file does not include supervisorctl section"
        );
        assert_eq!(
            parse_settings("x.conf", "[supervisorctl]\nusername=%(nope)s\n", &h).unwrap_err(),
            "Format string '%(nope)s' for 'supervisorctl.username' contains names ('nope') which cannot be expanded. Available names: ENV_USER"
        );
        assert_eq!(
            load_settings("/nonexistent/x.conf", &h).unwrap_err(),
            "could not find config file /nonexistent/x.conf"
        );
    }
}
