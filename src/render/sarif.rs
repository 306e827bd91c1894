//! `--format sarif`: SARIF 2.1.0 for code scanning. Rules come from the registry (help is the
//! rule's documentation), fingerprints survive line moves and never hold a value, silenced
//! findings are kept with their suppression, and fixes are artifact changes.

use std::io::Write;

use serde_json::{Value, json};

use super::{Report, position};
use crate::diagnostic::{Finding, Label, Severity};
use crate::rules::RULES;

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn location(report: &Report<'_>, label: &Label) -> Value {
    let (line, column) = position(report.project, label.file, label.span.start);
    let (end_line, end_column) = position(report.project, label.file, label.span.end);
    json!({
        "physicalLocation": {
            "artifactLocation": { "uri": uri(&report.project.files[label.file].path) },
            "region": { "startLine": line, "startColumn": column, "endLine": end_line, "endColumn": end_column }
        }
    })
}

fn result(report: &Report<'_>, f: &Finding) -> Value {
    let path = &report.project.files[f.primary.file].path;
    let rule_index = RULES.iter().position(|r| r.meta().code == f.code).unwrap_or(0);
    let mut text = f.message.clone();
    if let Some(help) = &f.help {
        text.push_str(&format!(" ({help})"));
    }
    let mut r = json!({
        "ruleId": f.code,
        "ruleIndex": rule_index,
        "level": level(f.severity),
        "message": { "text": text },
        "locations": [location(report, &f.primary)],
        "partialFingerprints": { "minipaas/v1": f.key(path).fingerprint() },
    });
    if !f.related.is_empty() {
        r["relatedLocations"] = f
            .related
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let mut loc = location(report, l);
                loc["id"] = json!(i + 1);
                loc["message"] = json!({ "text": l.note });
                loc
            })
            .collect();
    }
    if let Some(s) = &f.suppressed {
        r["suppressions"] = json!([{ "kind": if s.in_source { "inSource" } else { "external" }, "justification": s.justification }]);
    }
    if !f.units.is_empty() {
        r["properties"] = json!({ "units": f.units });
    }
    if let Some(fix) = f.fix.as_ref().filter(|p| !p.is_empty()) {
        let changes: Vec<Value> = fix
            .edits
            .iter()
            .filter(|(_, edits)| !edits.is_empty())
            .map(|(&file, edits)| {
                json!({
                    "artifactLocation": { "uri": uri(&report.project.files[file].path) },
                    "replacements": edits.iter().map(|e| json!({
                        "deletedRegion": { "byteOffset": e.range.start, "byteLength": e.range.end - e.range.start },
                        "insertedContent": { "text": e.replacement },
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        r["fixes"] = json!([{ "description": { "text": format!("{} ({})", fix.title, fix.applicability.as_str()) }, "artifactChanges": changes }]);
    }
    r
}

/// A root-relative path as a URI reference (RFC 3986): every byte but the unreserved ones and
/// `/` percent-encoded, so `a b/%x.yml` is `a%20b/%25x.yml`.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Writes the SARIF log.
pub(crate) fn render(report: &Report<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            let m = r.meta();
            json!({
                "id": m.code,
                "name": m.name,
                "shortDescription": { "text": m.summary },
                "fullDescription": { "text": m.summary },
                "help": { "text": m.doc, "markdown": m.doc },
                "defaultConfiguration": { "level": level(m.severity) },
            })
        })
        .collect();
    let results: Vec<Value> = report.findings.iter().map(|f| result(report, f)).collect();
    let notifications: Vec<Value> = report
        .project
        .errors
        .iter()
        .map(|e| {
            let mut n = json!({
                "level": level(e.severity),
                "message": { "text": e.message },
                "locations": [{ "physicalLocation": { "artifactLocation": { "uri": uri(&e.path) } } }],
            });
            if let Some((line, column)) = e.position {
                n["locations"][0]["physicalLocation"]["region"] =
                    json!({ "startLine": line, "startColumn": column });
            }
            n
        })
        .collect();
    let invocation_ok = report.project.errors.iter().all(|e| e.severity != Severity::Error);
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "minipaas",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/sombrahq/minipaas",
                "rules": rules,
            }},
            "invocations": [{ "executionSuccessful": invocation_ok, "toolExecutionNotifications": notifications }],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(super::uri("a b/%x.yml"), "a%20b/%25x.yml");
        assert_eq!(super::uri("dev/compose.yaml"), "dev/compose.yaml");
        assert_eq!(super::uri("é.yml"), "%C3%A9.yml");
    }
}
