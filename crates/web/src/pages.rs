//! The HTML of the status and tail pages. Every piece of text that comes from a
//! program, a configuration or a request goes through [`escape`] (content, attributes)
//! or [`quote`] (inside URLs) first.

use std::fmt::Write;

use supervisor_types::{ProcessState, make_namespec};

use crate::text::{escape, quote};

/// How often the tail page reloads itself, in seconds.
pub const TAIL_REFRESH_SECS: u32 = 2;

/// One process as the status page shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// The process name.
    pub name: String,
    /// Its group.
    pub group: String,
    /// Its state code (`state` of `getProcessInfo`).
    pub state: i32,
    /// Its state name (`statename`).
    pub statename: String,
    /// The description (`pid 12, uptime 0:01:02`, `Exited too quickly ...`).
    pub description: String,
}

impl Row {
    /// `name`, or `group:name` when they differ.
    pub fn namespec(&self) -> String {
        make_namespec(&self.group, &self.name)
    }
}

/// Supervisor's CSS class for a state: running, error (`FATAL`, `BACKOFF`) or nominal.
pub fn state_class(state: i32) -> &'static str {
    match ProcessState::from_code(state) {
        Some(ProcessState::Running) => "statusrunning",
        Some(ProcessState::Fatal | ProcessState::Backoff) => "statuserror",
        _ => "statusnominal",
    }
}

/// The form actions that fit a state, as Supervisor offers them: Restart and Stop
/// while running; Start when stopped, exited or fatal; Clear Log always.
pub fn actions_for(state: i32) -> &'static [(&'static str, &'static str)] {
    const RUNNING: &[(&str, &str)] = &[
        ("restart", "Restart"),
        ("stop", "Stop"),
        ("clearlog", "Clear Log"),
    ];
    const STOPPED: &[(&str, &str)] = &[("start", "Start"), ("clearlog", "Clear Log")];
    const OTHER: &[(&str, &str)] = &[("clearlog", "Clear Log")];
    match ProcessState::from_code(state) {
        Some(ProcessState::Running) => RUNNING,
        Some(ProcessState::Stopped | ProcessState::Exited | ProcessState::Fatal) => STOPPED,
        _ => OTHER,
    }
}

fn head(out: &mut String, title: &str, refresh: Option<u32>) {
    out.push_str(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
    );
    if let Some(secs) = refresh {
        let _ = writeln!(out, "<meta http-equiv=\"refresh\" content=\"{secs}\">");
    }
    let _ = write!(
        out,
        "<title>{}</title>\n\
         <link rel=\"stylesheet\" href=\"stylesheets/supervisor.css\">\n\
         <link rel=\"icon\" href=\"images/icon.svg\" type=\"image/svg+xml\">\n\
         </head>\n",
        escape(title)
    );
}

fn hidden(out: &mut String, name: &str, value: &str) {
    let _ = write!(
        out,
        "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
        escape(value)
    );
}

/// What the status page shows besides the rows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatusPage<'a> {
    /// The banner: the outcome of the last action.
    pub message: Option<&'a str>,
    /// The form token of the viewer's session.
    pub token: &'a str,
    /// `getSupervisorVersion`.
    pub version: &'a str,
    /// `getIdentification`.
    pub identification: &'a str,
}

/// The status page: the banner, the page actions, one row per process, the footer.
pub fn status(page: &StatusPage<'_>, rows: &[Row]) -> String {
    let mut out = String::with_capacity(2048 + rows.len() * 900);
    head(&mut out, "Supervisor Status", None);
    let _ = write!(
        out,
        "<body>\n<header><h1><a href=\"index.html\">Supervisor</a></h1>\
         <span class=\"ident\">{}</span></header>\n<main>\n",
        escape(page.identification)
    );
    if let Some(message) = page.message {
        let class = if message.starts_with("ERROR") || message.starts_with("unexpected") {
            "message error"
        } else {
            "message"
        };
        let _ = writeln!(
            out,
            "<div class=\"{class}\" id=\"message\" role=\"status\">{}</div>",
            escape(message)
        );
    }
    out.push_str(
        "<nav class=\"buttons\">\
         <a class=\"button\" href=\"index.html?action=refresh\">Refresh</a>\
         <form method=\"post\" action=\"index.html\">",
    );
    hidden(&mut out, "token", page.token);
    out.push_str(
        "<button name=\"action\" value=\"restartall\">Restart All</button>\
         <button name=\"action\" value=\"stopall\">Stop All</button></form></nav>\n",
    );
    if rows.is_empty() {
        out.push_str("<p class=\"empty\">No programs to manage</p>\n");
    } else {
        out.push_str(
            "<table id=\"processes\">\n<thead><tr><th>State</th><th>Description</th>\
             <th>Name</th><th>Action</th></tr></thead>\n<tbody>\n",
        );
        for row in rows {
            status_row(&mut out, row, page.token);
        }
        out.push_str("</tbody>\n</table>\n");
    }
    let _ = write!(
        out,
        "</main>\n<footer>Supervisor <span id=\"version\">{}</span></footer>\n</body>\n</html>\n",
        escape(page.version)
    );
    out
}

fn status_row(out: &mut String, row: &Row, token: &str) {
    let namespec = row.namespec();
    let (text, url) = (escape(&namespec), quote(&namespec));
    let _ = write!(
        out,
        "<tr data-name=\"{text}\" data-state=\"{state}\">\
         <td class=\"state\"><span class=\"{class}\">{lower}</span></td>\
         <td class=\"desc\">{desc}</td>\
         <td class=\"name\"><a href=\"tail.html?processname={url}\">{text}</a></td>\
         <td class=\"actions\"><div class=\"acts\"><form method=\"post\" action=\"index.html\">",
        state = escape(&row.statename),
        class = state_class(row.state),
        lower = escape(&row.statename.to_lowercase()),
        desc = escape(&row.description),
    );
    hidden(out, "processname", &namespec);
    hidden(out, "token", token);
    for (action, label) in actions_for(row.state) {
        let _ = write!(
            out,
            "<button name=\"action\" value=\"{action}\">{label}</button>"
        );
    }
    let _ = writeln!(
        out,
        "</form><a class=\"button\" href=\"logtail/{url}\" target=\"_blank\">Tail -f Stdout</a>\
         <a class=\"button\" href=\"logtail/{url}/stderr\" target=\"_blank\">Tail -f Stderr</a>\
         </div></td></tr>"
    );
}

/// The tail page of `processname` (`None` when the request named none): `tail` is the
/// text shown (the log's last bytes, or why there are none); `limit` the byte count to
/// keep asking for. It reloads itself every [`TAIL_REFRESH_SECS`] seconds.
pub fn tail(processname: Option<&str>, tail: &str, limit: u64) -> String {
    let mut out = String::with_capacity(tail.len() * 5 / 4 + 1024);
    let title = format!(
        "Supervisor tail of process {}",
        processname.unwrap_or("None")
    );
    head(
        &mut out,
        &title,
        processname.is_some().then_some(TAIL_REFRESH_SECS),
    );
    let _ = write!(
        out,
        "<body class=\"tail\">\n<header><h1><a href=\"index.html\">Supervisor</a></h1>\
         <span class=\"ident\">{}</span></header>\n<main>\n\
         <div class=\"log\"><pre id=\"tail\">{}</pre></div>\n<nav class=\"buttons\">",
        escape(processname.unwrap_or("")),
        escape(tail)
    );
    if let Some(name) = processname {
        let url = quote(name);
        let _ = write!(
            out,
            "<a class=\"button\" href=\"tail.html?processname={url}&amp;limit={limit}\">Refresh</a>\
             <a class=\"button\" href=\"logtail/{url}\" target=\"_blank\">Tail -f Stdout</a>\
             <a class=\"button\" href=\"logtail/{url}/stderr\" target=\"_blank\">Tail -f Stderr</a>"
        );
    }
    out.push_str(
        "<a class=\"button\" href=\"index.html\">Status</a></nav>\n</main>\n</body>\n</html>\n",
    );
    out
}

/// A short page for a refused request: why, and the way back.
pub fn refusal(title: &str, why: &str) -> String {
    let mut out = String::with_capacity(512);
    head(&mut out, title, None);
    let _ = write!(
        out,
        "<body>\n<header><h1><a href=\"index.html\">Supervisor</a></h1></header>\n<main>\n\
         <div class=\"message error\" role=\"alert\">{}</div>\n\
         <nav class=\"buttons\"><a class=\"button\" href=\"index.html\">Back to the status page</a></nav>\n\
         </main>\n</body>\n</html>\n",
        escape(why)
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, group: &str, state: ProcessState, description: &str) -> Row {
        Row {
            name: name.into(),
            group: group.into(),
            state: state.code(),
            statename: state.name().into(),
            description: description.into(),
        }
    }

    #[test]
    fn classes_and_actions_follow_supervisor() {
        use ProcessState::*;
        let class = |s: ProcessState| state_class(s.code());
        assert_eq!(class(Running), "statusrunning");
        assert_eq!(class(Fatal), "statuserror");
        assert_eq!(class(Backoff), "statuserror");
        for s in [Stopped, Starting, Stopping, Exited, Unknown] {
            assert_eq!(class(s), "statusnominal");
        }
        let names = |s: ProcessState| {
            actions_for(s.code())
                .iter()
                .map(|(a, _)| *a)
                .collect::<Vec<_>>()
        };
        assert_eq!(names(Running), ["restart", "stop", "clearlog"]);
        for s in [Stopped, Exited, Fatal] {
            assert_eq!(names(s), ["start", "clearlog"]);
        }
        for s in [Starting, Backoff, Stopping, Unknown] {
            assert_eq!(names(s), ["clearlog"]);
        }
    }

    #[test]
    fn status_escapes_everything_it_shows() {
        let evil = "<script>alert(1)</script>";
        let page = StatusPage {
            message: Some("Process <b> started"),
            token: "\"tok",
            version: "4.3.0",
            identification: evil,
        };
        let html = status(
            &page,
            &[row("x\"><img src=x>", "g&", ProcessState::Running, evil)],
        );
        assert!(!html.contains("<script>"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("value=\"&quot;tok\""));
        assert!(html.contains("href=\"tail.html?processname=g%26%3Ax%22%3E%3Cimg%20src%3Dx%3E\""));
        assert!(html.contains("data-name=\"g&amp;:x&quot;&gt;&lt;img src=x&gt;\""));
    }

    #[test]
    fn status_rows_carry_state_actions_and_tails() {
        let page = StatusPage {
            token: "t",
            version: "4.3.0",
            identification: "supervisor",
            ..StatusPage::default()
        };
        let html = status(
            &page,
            &[
                row(
                    "web",
                    "web",
                    ProcessState::Running,
                    "pid 12, uptime 0:00:03",
                ),
                row("w1", "workers", ProcessState::Fatal, "Exited too quickly"),
            ],
        );
        assert!(html.contains("<tr data-name=\"web\" data-state=\"RUNNING\">"));
        assert!(html.contains("<span class=\"statusrunning\">running</span>"));
        assert!(html.contains("<span class=\"statuserror\">fatal</span>"));
        assert!(html.contains("href=\"tail.html?processname=workers%3Aw1\">workers:w1</a>"));
        assert!(html.contains("href=\"logtail/workers%3Aw1/stderr\""));
        assert!(html.contains("<button name=\"action\" value=\"stop\">Stop</button>"));
        assert!(html.contains("<span id=\"version\">4.3.0</span>"));
        assert!(!html.contains("id=\"message\""));
        assert!(status(&page, &[]).contains("No programs to manage"));
    }

    #[test]
    fn tail_page_escapes_the_log_and_refreshes() {
        let html = tail(Some("g:p"), "<b>out</b> & more\n", 2048);
        assert!(html.contains("<pre id=\"tail\">&lt;b&gt;out&lt;/b&gt; &amp; more\n</pre>"));
        assert!(html.contains("<title>Supervisor tail of process g:p</title>"));
        assert!(html.contains("<meta http-equiv=\"refresh\" content=\"2\">"));
        assert!(html.contains("href=\"tail.html?processname=g%3Ap&amp;limit=2048\""));
        let none = tail(None, "No process name found", 1024);
        assert!(none.contains("<title>Supervisor tail of process None</title>"));
        assert!(!none.contains("http-equiv"));
    }
}
