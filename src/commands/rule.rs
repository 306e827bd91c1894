//! `minipaas rule CODE` and `minipaas rules`: the documentation that lives in each rule.

use std::io::Write;

use super::Outcome;
use crate::error::Error;
use crate::rules::{RULES, lookup};

/// Prints one rule's documentation.
pub(crate) fn rule(code: &str, out: &mut dyn Write) -> Result<Outcome, Error> {
    let rule =
        lookup(code).ok_or_else(|| Error::Usage(format!("no rule `{code}`; `minipaas rules` lists them")))?;
    let m = rule.meta();
    writeln!(out, "# {} {}\n", m.code, m.name)?;
    writeln!(out, "{}\n\nDefault level: {}\n", m.summary, m.severity.as_str())?;
    writeln!(out, "{}", m.doc.trim_end())?;
    Ok(Outcome::Clean)
}

/// Lists every rule, one per line.
pub(crate) fn rules(out: &mut dyn Write) -> Result<Outcome, Error> {
    for rule in RULES {
        let m = rule.meta();
        writeln!(out, "{}  {:<26} {:<8} {}", m.code, m.name, m.severity.as_str(), m.summary)?;
    }
    Ok(Outcome::Clean)
}
