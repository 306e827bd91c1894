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
pub struct Chain {
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
pub fn may_hold_chains(text: &[u8]) -> bool {
    memmem::find(text, b"compose").is_some()
        || memmem::find(text, b"COMPOSE_FILE").is_some()
        || memmem::find(text, b"stack").is_some()
}

/// Every chain in a script's text, with the variables the script itself assigns
/// (`FILE = a.yml` in a Makefile, `FILE=a.yml` in a shell script) put in.
pub fn scan(text: &str) -> Vec<Chain> {
    let lines = logical_lines(text);
    let vars = assignments(&lines);
    let mut out = Vec::new();
    for (line, logical) in &lines {
        for command in commands(logical) {
            if let Some(mut chain) = chain_of(&command, *line) {
                // PowerShell and cmd write `.\\a.yml`; Compose takes `/` everywhere.
                chain.files = chain.files.iter().map(|f| substitute(f, &vars).replace('\\', "/")).collect();
                out.push(chain);
            }
        }
    }
    out
}

/// `NAME = value`, `NAME := value`, `NAME ?= value` (Makefiles), `NAME=value` and
/// `export NAME=value` (shells): the last single-word value of each name.
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
        if !value.is_empty() && !value.contains(char::is_whitespace) {
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
        match vars.get(name).filter(|_| len > 0) {
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
            ';' | '|' | '&' | '(' | ')' => {
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

/// The chain one command gives, if it runs Compose or `stack deploy` with files, or sets
/// `COMPOSE_FILE`.
fn chain_of(words: &[String], line: usize) -> Option<Chain> {
    let base = |w: &str| w.rsplit('/').next().unwrap_or(w).to_string();
    let compose = words.iter().any(|w| {
        let b = base(w);
        b == "compose" || b.ends_with("-compose") || b.ends_with("-compose.exe")
    });
    let stack =
        words.windows(2).any(|w| base(&w[0]).ends_with("stack") && matches!(w[1].as_str(), "deploy" | "up"));
    let mut chain = Chain {
        files: Vec::new(),
        env_file: None,
        project_dir: None,
        tool: if stack { Tool::Stack } else { Tool::Compose },
        line,
    };
    let (short, long) = if stack { ("-c", "--compose-file") } else { ("-f", "--file") };
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        let next = words.get(i + 1).cloned();
        let value = |flag: &str| -> Option<(String, usize)> {
            if w == flag {
                next.clone().map(|v| (v, 2))
            } else {
                w.strip_prefix(flag).and_then(|r| r.strip_prefix('=')).map(|v| (v.to_string(), 1))
            }
        };
        if let Some(assigned) = compose_file_assignment(words, i) {
            chain.files.extend(split_compose_file(&assigned.0, None));
            i += assigned.1;
            continue;
        }
        if compose || stack {
            if let Some((v, n)) = value(short).or_else(|| value(long)) {
                chain.files.push(v);
                i += n;
                continue;
            }
            if let Some((v, n)) = value("--env-file") {
                chain.env_file = Some(v);
                i += n;
                continue;
            }
            if let Some((v, n)) = value("--project-directory") {
                chain.project_dir = Some(v);
                i += n;
                continue;
            }
        }
        i += 1;
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
pub fn split_compose_file(value: &str, separator: Option<&str>) -> Vec<String> {
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
        assert_eq!(split_compose_file("a.yml;b.yml", None), v(&["a.yml", "b.yml"]));
        assert_eq!(split_compose_file("a.yml,b.yml", Some(",")), v(&["a.yml", "b.yml"]));
    }
}
