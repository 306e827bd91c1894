//! Chains of Compose files written in the repository itself: `docker compose -f a -f b`,
//! `docker-compose --file`, `docker stack deploy -c a -c b` (and wrappers such as
//! `docker-sdp stack deploy`), `COMPOSE_FILE=a:b`, found in Makefiles, shell and PowerShell
//! scripts and CI workflows. They say which files are deployed together, better than names can.
//!
//! This is a lexical scan of command lines, not a shell: it reads one logical line at a time
//! (continuations joined), splits it into commands at `;`, `&&`, `||`, `|` and quotes, and
//! takes the file options of the commands that run Compose or `stack deploy`.

use memchr::memmem;

/// Which tool a chain is given to: they merge files differently (see
/// [`crate::model::effective`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tool {
    /// `docker compose` / `docker-compose` (the Compose Specification).
    Compose,
    /// `docker stack deploy` (docker/cli's loader), as MiniPaaS deploys too.
    Stack,
}

/// One chain as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Chain {
    /// The files, in order, as written (variables kept: `$X`, `${X}`, `$(X)`).
    pub files: Vec<String>,
    /// `--env-file`, if given.
    pub env_file: Option<String>,
    /// `--project-directory`, if given.
    pub project_dir: Option<String>,
    /// Who reads the files.
    pub tool: Tool,
    /// 1-based line where the command starts.
    pub line: usize,
}

/// True when the text may hold a chain (most files do not): a cheap test before [`scan`].
pub(crate) fn may_hold_chains(text: &[u8]) -> bool {
    memmem::find(text, b"compose").is_some()
        || memmem::find(text, b"COMPOSE_FILE").is_some()
        || memmem::find(text, b"stack").is_some()
}

/// Every chain in a script's text, with the variables the script itself assigns
/// (`FILE = a.yml` in a Makefile, `FILE=a.yml` in a shell script) put in.
pub(crate) fn scan(text: &str) -> Vec<Chain> {
    scan_lines(&logical_lines(text))
}

/// Every chain in the string values of a YAML file (a CI workflow's `run:`, a GitLab
/// `script:` item folded over several lines), and every `COMPOSE_FILE: a:b` it sets; `None`
/// when the text is not YAML (it is then read line by line).
pub(crate) fn scan_yaml(text: &str) -> Option<Vec<Chain>> {
    let tree = crate::model::yaml::Tree::parse(text).ok()?;
    let index = crate::model::lines::LineIndex::new(text);
    let mut lines = Vec::new();
    for id in 0..tree.node_count() {
        let Some(value) = tree.scalar(id) else { continue };
        if !value.contains("compose") && !value.contains("stack") && !value.contains("COMPOSE_FILE") {
            continue;
        }
        let first = index.line_col(text, tree.node(id).span.start).0;
        lines.extend(logical_lines(value).into_iter().map(|(n, l)| (first + n - 1, l)));
    }
    // `COMPOSE_FILE: a:b` in an `env:` block: a key and its value.
    for id in 0..tree.node_count() {
        if !tree.is_map(id) {
            continue;
        }
        for entry in tree.own_entries(id) {
            if tree.scalar(entry.key) == Some("COMPOSE_FILE")
                && let Some(value) = tree.scalar(entry.value)
            {
                let line = index.line_col(text, tree.node(entry.key).span.start).0;
                lines.push((line, format!("COMPOSE_FILE={value}")));
            }
        }
    }
    lines.sort();
    Some(scan_lines(&lines))
}

fn scan_lines(lines: &[(usize, String)]) -> Vec<Chain> {
    let vars = assignments(lines);
    let mut out = Vec::new();
    for (line, logical) in lines {
        for command in commands(logical) {
            let command = splice(command, &vars);
            if let Some(mut chain) = chain_of(&command, *line) {
                // PowerShell and cmd write `.\\a.yml`; Compose takes `/` everywhere.
                let path = |f: &String| substitute(f, &vars).replace('\\', "/");
                chain.files = chain.files.iter().map(path).collect();
                chain.env_file = chain.env_file.as_ref().map(path);
                chain.project_dir = chain.project_dir.as_ref().map(path);
                out.push(chain);
            }
        }
    }
    out
}

/// Words that are a variable holding several words (`FILES := -f a.yml -f b.yml` then
/// `docker compose $(FILES) up`; `COMPOSE="docker compose -f a.yml"` then `$COMPOSE up`)
/// replaced by those words.
fn splice(words: Vec<String>, vars: &std::collections::HashMap<String, String>) -> Vec<String> {
    let mut out = Vec::with_capacity(words.len());
    for word in words {
        let name = word
            .strip_prefix("$(")
            .and_then(|w| w.strip_suffix(')'))
            .or_else(|| word.strip_prefix("${").and_then(|w| w.strip_suffix('}')))
            .or_else(|| word.strip_prefix('$'));
        match name.and_then(|n| vars.get(n)).filter(|v| v.contains(char::is_whitespace)) {
            Some(value) => out.extend(value.split_whitespace().map(str::to_string)),
            None => out.push(word),
        }
    }
    out
}

/// `NAME = value`, `NAME := value`, `NAME ?= value` (Makefiles), `NAME=value` and
/// `export NAME=value` (shells): the last value of each name (outer quotes removed).
fn assignments(lines: &[(usize, String)]) -> std::collections::HashMap<String, String> {
    let mut vars = std::collections::HashMap::new();
    for (_, line) in lines {
        let line = line.trim();
        let line = line.strip_prefix("export ").map_or(line, str::trim_start);
        let name_end = line.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(line.len());
        let (name, rest) = line.split_at(name_end);
        if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        let rest = rest.trim_start();
        let Some(value) = ["::=", ":=", "?=", "="].iter().find_map(|op| rest.strip_prefix(op)) else {
            continue;
        };
        let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
        if !value.is_empty() {
            vars.insert(name.to_string(), value.to_string());
        }
    }
    vars
}

/// A path with the variables `vars` knows (`$(X)`, `${X}`, `$X`) replaced; unknown ones stay.
fn substitute(path: &str, vars: &std::collections::HashMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (name, len) = match after.chars().next() {
            Some(open @ ('(' | '{')) => {
                let close = if open == '(' { ')' } else { '}' };
                match after.find(close) {
                    Some(end) => (&after[1..end], end + 1),
                    None => ("", 0),
                }
            }
            _ => {
                let end =
                    after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len());
                (&after[..end], end)
            }
        };
        match vars.get(name).filter(|v| len > 0 && !v.contains(char::is_whitespace)) {
            // One level: a value that names another variable is left for the wildcard.
            Some(value) => out.push_str(value),
            None => out.push_str(&rest[at..at + 1 + len]),
        }
        rest = &after[len..];
    }
    out.push_str(rest);
    out
}

/// Lines with their continuations (`\` in shells and Makefiles, `` ` `` in PowerShell) joined,
/// each with the 1-based number of its first line.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut start = 0;
    for (i, raw) in text.split('\n').enumerate() {
        let raw = raw.trim_end_matches('\r');
        if current.is_empty() {
            start = i + 1;
        }
        match raw.trim_end().strip_suffix('\\').or_else(|| raw.trim_end().strip_suffix('`')) {
            Some(head) => {
                current.push_str(head);
                current.push(' ');
            }
            None => {
                current.push_str(raw);
                out.push((start, std::mem::take(&mut current)));
            }
        }
    }
    if !current.is_empty() {
        out.push((start, current));
    }
    out
}

/// The commands of a line, each a list of words with quotes removed.
fn commands(line: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    let end_word = |word: &mut String, in_word: &mut bool, words: &mut Vec<String>| {
        if *in_word {
            words.push(std::mem::take(word));
            *in_word = false;
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                in_word = true;
                for q in chars.by_ref() {
                    if q == c {
                        break;
                    }
                    word.push(q);
                }
            }
            '#' if !in_word => break,
            '$' if {
                let mut ahead = chars.clone();
                ahead.next() == Some('{') && ahead.next() == Some('{')
            } =>
            {
                // `${{ github.workspace }}` (GitHub Actions): one word, spaces and all.
                in_word = true;
                word.push('$');
                let mut close = 0;
                for v in chars.by_ref() {
                    word.push(v);
                    close = if v == '}' { close + 1 } else { 0 };
                    if close == 2 {
                        break;
                    }
                }
            }
            ';' | '|' | '&' | '(' | ')' | '<' | '>' => {
                end_word(&mut word, &mut in_word, &mut words);
                if !words.is_empty() {
                    out.push(std::mem::take(&mut words));
                }
            }
            c if c.is_whitespace() => end_word(&mut word, &mut in_word, &mut words),
            '$' if chars.peek() == Some(&'(') => {
                // `$(VAR)` in a Makefile: keep it as one word.
                in_word = true;
                word.push('$');
                for v in chars.by_ref() {
                    word.push(v);
                    if v == ')' {
                        break;
                    }
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    end_word(&mut word, &mut in_word, &mut words);
    if !words.is_empty() {
        out.push(words);
    }
    out
}

/// Options of `docker compose` (before its subcommand) and `docker stack deploy` (before the
/// stack's name) that take a value: skipped with it, so the value is not read as a file.
const VALUE_OPTIONS: [&str; 8] = [
    "-p",
    "--project-name",
    "--profile",
    "--ansi",
    "--progress",
    "--parallel",
    "--resolve-image",
    "--context",
];

/// The chain one command gives, if it runs Compose or `stack deploy` with files, or sets
/// `COMPOSE_FILE`. Options are read only up to the subcommand (`docker compose -f a.yml logs -f
/// web`: the second `-f` is `logs --follow`) or, for `stack deploy`, up to the stack's name.
fn chain_of(words: &[String], line: usize) -> Option<Chain> {
    let base = |w: &str| w.rsplit('/').next().unwrap_or(w).to_string();
    let compose_at = words.iter().position(|w| {
        let b = base(w);
        // `$(DOCKER_COMPOSE)` in a Makefile stands for the command too.
        b == "compose"
            || b.ends_with("-compose")
            || b.ends_with("-compose.exe")
            || (w.starts_with('$') && b.to_ascii_lowercase().contains("compose") && !b.contains("FILE"))
    });
    let stack_at = words
        .windows(2)
        .position(|w| base(&w[0]).ends_with("stack") && matches!(w[1].as_str(), "deploy" | "up"))
        .map(|i| i + 1);
    let mut chain = Chain {
        files: Vec::new(),
        env_file: None,
        project_dir: None,
        tool: if stack_at.is_some() { Tool::Stack } else { Tool::Compose },
        line,
    };
    // Environment assignments before the command (`COMPOSE_FILE=a:b docker compose up`), or a
    // line of their own.
    let command_at = stack_at.or(compose_at).unwrap_or(words.len());
    let mut i = 0;
    while i < command_at {
        match compose_file_assignment(words, i) {
            Some((value, n)) => {
                chain.files.extend(split_compose_file(&value, None));
                i += n;
            }
            None => i += 1,
        }
    }
    let (short, long) = if stack_at.is_some() { ("-c", "--compose-file") } else { ("-f", "--file") };
    let mut i = command_at + 1;
    while i < words.len() {
        let w = &words[i];
        let value = |flag: &str| -> Option<(String, usize)> {
            if w == flag {
                words.get(i + 1).map(|v| (v.clone(), 2))
            } else {
                let rest = w.strip_prefix(flag)?;
                // `--file=a.yml`, and the short form glued: `-fa.yml`.
                let glued = flag.len() == 2 && !rest.is_empty() && !rest.starts_with('=');
                rest.strip_prefix('=').or(glued.then_some(rest)).map(|v| (v.to_string(), 1))
            }
        };
        if let Some((v, n)) = value(short).or_else(|| value(long)) {
            chain.files.push(v);
            i += n;
        } else if let Some((v, n)) = value("--env-file") {
            chain.env_file = Some(v);
            i += n;
        } else if let Some((v, n)) = value("--project-directory") {
            chain.project_dir = Some(v);
            i += n;
        } else if VALUE_OPTIONS.contains(&w.as_str()) {
            i += 2;
        } else if w.starts_with('-') {
            i += 1;
        } else {
            // The subcommand, or the stack's name: the options end here.
            break;
        }
    }
    // `-f -` reads stdin: the files are not in the repository.
    (!chain.files.is_empty() && !chain.files.iter().any(|f| f == "-" || f.is_empty())).then_some(chain)
}

/// `COMPOSE_FILE=a:b`, `export COMPOSE_FILE=a:b`, `COMPOSE_FILE: a:b` (a CI `env:` block),
/// `COMPOSE_FILE = a:b` (a Makefile), `$env:COMPOSE_FILE = "a;b"` (PowerShell): the value
/// and how many words it took.
fn compose_file_assignment(words: &[String], i: usize) -> Option<(String, usize)> {
    let w = words[i].trim_start_matches("$env:");
    if let Some(v) = w.strip_prefix("COMPOSE_FILE=").or_else(|| w.strip_prefix("COMPOSE_FILE:=")) {
        return Some((v.to_string(), 1));
    }
    if w == "COMPOSE_FILE:" {
        return Some((words.get(i + 1)?.clone(), 2));
    }
    if w == "COMPOSE_FILE" && matches!(words.get(i + 1).map(String::as_str), Some("=" | ":=" | "?=")) {
        return Some((words.get(i + 2)?.clone(), 3));
    }
    None
}

/// A `COMPOSE_FILE` value's files: separated by `COMPOSE_PATH_SEPARATOR` when it is set, else
/// by `:` (`;` on Windows, so a value with `;` and no `:` uses that).
pub(crate) fn split_compose_file(value: &str, separator: Option<&str>) -> Vec<String> {
    let default = if value.contains(';') && !value.contains(':') { ";" } else { ":" };
    let sep = separator.filter(|s| !s.is_empty()).unwrap_or(default);
    value.split(sep).map(str::trim).filter(|p| !p.is_empty()).map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(text: &str) -> Vec<(Vec<String>, Tool)> {
        scan(text).into_iter().map(|c| (c.files, c.tool)).collect()
    }

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn finds_chains_in_scripts() {
        let make = "compose/auth/up:\n\tdocker compose -f compose.yml -f compose.auth.yml up -d\n\
                    dev:\n\tdocker-compose --file=compose.dev.yml \\\n\t  --file compose.auth.yml up # both\n";
        assert_eq!(
            files(make),
            vec![
                (v(&["compose.yml", "compose.auth.yml"]), Tool::Compose),
                (v(&["compose.dev.yml", "compose.auth.yml"]), Tool::Compose)
            ]
        );
        let sh = "set -a; . ./.env; exec docker-sdp stack deploy --with-registry-auth -c portainer.yml portainer\n";
        assert_eq!(files(sh), vec![(v(&["portainer.yml"]), Tool::Stack)]);
        let ci = "    steps:\n      - run: docker stack deploy -c 'stacks/a.yml' -c \"stacks/b.yml\" app && echo done\n";
        assert_eq!(files(ci), vec![(v(&["stacks/a.yml", "stacks/b.yml"]), Tool::Stack)]);
        let env =
            "export COMPOSE_FILE=docker-compose.yml:docker-compose.prod.yml\n    COMPOSE_FILE: a.yml:b.yml\n";
        assert_eq!(
            files(env),
            vec![
                (v(&["docker-compose.yml", "docker-compose.prod.yml"]), Tool::Compose),
                (v(&["a.yml", "b.yml"]), Tool::Compose)
            ]
        );
        let make_vars = "BASE = docker-compose.yml\nup:\n\t$(DOCKER) compose -f $(BASE) -f docker-compose.$(ENV).yml up\n";
        assert_eq!(
            files(make_vars),
            vec![(v(&["docker-compose.yml", "docker-compose.$(ENV).yml"]), Tool::Compose)]
        );
        let sh = "export STACK_FILE=\"stacks/app.yml\"\ndocker stack deploy -c ${STACK_FILE} -c $EXTRA app\n";
        assert_eq!(files(sh), vec![(v(&["stacks/app.yml", "$EXTRA"]), Tool::Stack)]);
        let opts = "docker compose --env-file ./config/.env.prod -f a.yml --project-directory . up\n";
        let c = &scan(opts)[0];
        assert_eq!(
            (c.env_file.as_deref(), c.project_dir.as_deref(), c.line),
            (Some("./config/.env.prod"), Some("."), 1)
        );
        assert!(files("docker compose up -d\ncat compose.yml | docker compose -f - config\n# docker compose -f x.yml\n").is_empty());
        // Options end at the subcommand: `logs -f` follows, it names no file.
        assert_eq!(
            files("docker compose -p app -f a.yml logs -f web\n"),
            vec![(v(&["a.yml"]), Tool::Compose)]
        );
        assert_eq!(
            files("docker stack deploy --prune -c a.yml app -c x\n"),
            vec![(v(&["a.yml"]), Tool::Stack)]
        );
        assert_eq!(
            files("COMPOSE_FILE=a.yml:b.yml docker compose up\n"),
            vec![(v(&["a.yml", "b.yml"]), Tool::Compose)]
        );
        assert_eq!(files("up:\n\t$(DOCKER_COMPOSE) -f a.yml up\n"), vec![(v(&["a.yml"]), Tool::Compose)]);
        let make = "FILES := -f app.yml -f secrets.yml\nup:\n\tdocker compose $(FILES) up\n";
        assert_eq!(files(make), vec![(v(&["app.yml", "secrets.yml"]), Tool::Compose)]);
        let sh = "COMPOSE=\"docker stack deploy -c app.yml\"\n$COMPOSE -c secrets.yml app\n";
        assert_eq!(files(sh), vec![(v(&["app.yml", "secrets.yml"]), Tool::Stack)]);
        let gh = "      - run: docker stack deploy -c ${{ github.workspace }}/app.yml app\n";
        assert_eq!(files(gh), vec![(v(&["${{ github.workspace }}/app.yml"]), Tool::Stack)]);
        assert!(files("docker stack deploy -c <(docker compose config) app\n").is_empty());
        let yaml = "deploy:\n  script:\n    - docker stack deploy\n      -c app.yml\n      -c secrets.yml app\n    - >\n      docker compose -f a.yml\n      -f b.yml up\n  variables:\n    COMPOSE_FILE: c.yml:d.yml\n";
        let found: Vec<(Vec<String>, Tool)> =
            scan_yaml(yaml).unwrap().into_iter().map(|c| (c.files, c.tool)).collect();
        assert_eq!(
            found,
            vec![
                (v(&["app.yml", "secrets.yml"]), Tool::Stack),
                (v(&["a.yml", "b.yml"]), Tool::Compose),
                (v(&["c.yml", "d.yml"]), Tool::Compose)
            ]
        );
        assert_eq!(split_compose_file("a.yml;b.yml", None), v(&["a.yml", "b.yml"]));
        assert_eq!(split_compose_file("a.yml,b.yml", Some(",")), v(&["a.yml", "b.yml"]));
    }
}
