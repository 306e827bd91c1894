//! `minipaas init`: writes a commented starter `.minipaas.toml` at the repository root.

use std::io::Write;
use std::path::Path;

use super::Outcome;
use crate::discover::Workspace;
use crate::error::Error;
use crate::rules::RULES;
use crate::settings::CONFIG_NAME;

/// The starter configuration: every key, commented out, with every rule listed.
pub(crate) fn template() -> String {
    let mut rules = String::new();
    for r in RULES {
        let m = r.meta();
        rules.push_str(&format!(
            "# {} = \"{}\"   # {}: {}\n",
            m.code,
            m.severity.as_str(),
            m.name,
            m.summary
        ));
    }
    format!(
        "# minipaas configuration. Everything is optional; the command line overrides it\n\
         # (--select, --ignore, --config). Rules may be named by code or name.\n\
         \n\
         [lint]\n\
         # Only these rules (default: all).\n\
         # select = [\"MP001\", \"MP002\"]\n\
         # Never these rules.\n\
         # ignore = [\"secret-pattern\"]\n\
         # Compose files are found by name and by content (`minipaas units` shows them).\n\
         # More files to treat as Compose files (globs relative to the repository root).\n\
         # include = [\"deploy/**/*.yml\"]\n\
         # Files never to treat as Compose files.\n\
         # exclude = [\"charts/**\"]\n\
         # More words that make an environment variable name a credential.\n\
         # credential-words = [\"PIN\"]\n\
         # Values that are placeholders, never reported as secrets.\n\
         # allowed-values = [\"changeme\"]\n\
         \n\
         # Per-rule level: \"error\" fails the run, \"warning\" is only shown, \"off\" hides it.\n\
         [lint.level]\n\
         {rules}\
         \n\
         # Rules silenced in some files (globs relative to the repository root).\n\
         [lint.per-file-ignores]\n\
         # \"examples/**\" = [\"MP006\", \"MP007\"]\n\
         \n\
         # Compose files deployed together, when minipaas cannot tell from minipaas.yaml, the\n\
         # repository's scripts or the file names (one table per project):\n\
         # [[lint.project]]\n\
         # files = [\"deploy/base.yml\", \"deploy/prod.yml\"]\n\
         # tool = \"stack\"   # compose (default) or stack: how the files merge\n"
    )
}

/// Writes the starter configuration, refusing to overwrite one.
pub(crate) fn init(force: bool, out: &mut dyn Write) -> Result<Outcome, Error> {
    let ws = Workspace::open(Path::new("."), false)?;
    let path = ws.root.join(CONFIG_NAME);
    if path.exists() && !force {
        return Err(Error::Usage(format!("{} already exists (use --force to replace it)", path.display())));
    }
    std::fs::write(&path, template())
        .map_err(|e| Error::Write { path: path.clone(), message: e.to_string() })?;
    writeln!(out, "Wrote {}", path.display())?;
    Ok(Outcome::Clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_parses_and_changes_nothing() {
        let settings = crate::settings::Settings::parse(&template(), Path::new(CONFIG_NAME)).unwrap();
        assert!(settings.select.is_none() && settings.ignore.is_empty() && settings.levels.is_empty());
        // Uncomment the `# key = value` lines and `# [[table]]` headers (not the prose), and drop
        // their trailing remarks.
        let uncommented: String = template()
            .lines()
            .map(|l| match l.strip_prefix("# ") {
                Some(rest) if rest.starts_with("[[") => rest,
                Some(rest) if rest.split_once(" = ").is_some_and(|(k, _)| !k.contains(' ')) => {
                    rest.split("   #").next().unwrap_or(rest)
                }
                _ => l,
            })
            .map(|l| format!("{l}\n"))
            .collect();
        let all = crate::settings::Settings::parse(&uncommented, Path::new(CONFIG_NAME));
        assert!(all.is_ok(), "every commented key is valid: {all:?}");
    }
}
