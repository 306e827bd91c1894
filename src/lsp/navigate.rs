//! Hover, go to definition and find references on a secret or config name: a top-level
//! declaration's key, or a service's reference to one (short or long syntax, `build.secrets`,
//! a cluster volume's secret, `credential_spec.config`). A name is what it means in each unit
//! that reads the file under the cursor, interpolated with that unit's variables, so a
//! reference in an overlay finds the declaration in the base file it is deployed with, and a
//! name shared by two envs lists both.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::ops::Range;

use lsp_types::{
    GotoDefinitionParams, GotoDefinitionResponse, Hover, HoverContents, HoverParams, Location, MarkupContent,
    MarkupKind, ReferenceParams, TextDocumentPositionParams,
};

use super::{Snapshot, diagnose, text::Lines};
use crate::diagnostic::FileId;
use crate::discover::Workspace;
use crate::error::Error;
use crate::model::chains::Tool;
use crate::model::compose::{Declaration, ResourceKind, split_version};
use crate::model::{Project, Unit};
use crate::secrets::mask::Scrubber;

/// The name under the cursor.
struct Symbol {
    kind: ResourceKind,
    /// As written.
    raw: String,
    file: FileId,
    span: Range<usize>,
}

/// A project loaded on a snapshot, and the name at a position in it.
struct Found {
    ws: Workspace,
    project: Project,
    det: crate::secrets::Detector,
    symbol: Symbol,
}

fn find(snapshot: &Snapshot, at: &TextDocumentPositionParams) -> Result<Option<Found>, Error> {
    let Some(path) = diagnose::path_of(&at.text_document.uri) else { return Ok(None) };
    let (ws, opts, settings) = snapshot.open()?;
    let Some(rel) = ws.relative(&path) else { return Ok(None) };
    let project = Project::load(&ws, &opts)?;
    let Some(file) = project.files.iter().position(|f| f.path == rel) else { return Ok(None) };
    let offset = Lines::new(&project.files[file].text).offset(at.position);
    let Some(symbol) = symbol_at(&project, file, offset) else { return Ok(None) };
    Ok(Some(Found { ws, project, det: settings.redaction(), symbol }))
}

fn symbol_at(project: &Project, file: FileId, offset: usize) -> Option<Symbol> {
    let compose = project.files[file].compose()?;
    let on = |span: &Range<usize>| span.start <= offset && offset <= span.end;
    let symbol = |kind, spanned: &crate::model::compose::Spanned| Symbol {
        kind,
        raw: spanned.value.clone(),
        file,
        span: spanned.span.clone(),
    };
    for kind in [ResourceKind::Secret, ResourceKind::Config] {
        if let Some(d) = compose.decls(kind).iter().find(|d| on(&d.name.span)) {
            return Some(symbol(kind, &d.name));
        }
        for service in &compose.services {
            if let Some(r) = service.refs(kind).iter().find(|r| on(&r.source.span)) {
                return Some(symbol(kind, &r.source));
            }
        }
    }
    if let Some(s) = compose.volume_secrets.iter().find(|s| on(&s.span)) {
        return Some(symbol(ResourceKind::Secret, s));
    }
    let credential =
        compose.services.iter().filter_map(|s| s.credential_config.as_ref()).find(|c| on(&c.span));
    credential.map(|c| symbol(ResourceKind::Config, c))
}

/// The units that read the symbol's file, each with the name the symbol has there.
fn meanings<'p>(project: &'p Project, symbol: &Symbol) -> Vec<(&'p Unit, String)> {
    project
        .units_of(symbol.file)
        .filter_map(|unit| {
            let name = project.name_in(unit, symbol.file, &symbol.raw);
            Some((unit, name.exact()?.to_string()))
        })
        .collect()
}

/// The declarations of `name` a unit holds.
fn declarations<'p>(
    project: &'p Project,
    unit: &'p Unit,
    kind: ResourceKind,
    name: &str,
) -> Vec<(FileId, &'p Declaration)> {
    project
        .declarations(unit, kind)
        .filter(|(f, d)| project.name_in(unit, *f, &d.name.value).exact() == Some(name))
        .collect()
}

/// A place in a file: (file, start, end); ordered, so a set lists places once, in file order.
type Place = (FileId, usize, usize);

fn place(file: FileId, span: &Range<usize>) -> Place {
    (file, span.start, span.end)
}

/// Every place a unit's services name `name`: as written in its files, and in the files its
/// services extend.
fn uses(project: &Project, unit: &Unit, kind: ResourceKind, name: &str) -> BTreeSet<Place> {
    let mut out = BTreeSet::new();
    let is = |file: FileId, raw: &str| project.name_in(unit, file, raw).exact() == Some(name);
    for m in &unit.members {
        let Some(compose) = project.files[m.file].compose() else { continue };
        for service in &compose.services {
            out.extend(
                service
                    .refs(kind)
                    .iter()
                    .filter(|r| is(m.file, &r.source.value))
                    .map(|r| place(m.file, &r.source.span)),
            );
            if kind == ResourceKind::Config {
                out.extend(
                    service
                        .credential_config
                        .iter()
                        .filter(|c| is(m.file, &c.value))
                        .map(|c| place(m.file, &c.span)),
                );
            }
        }
        if kind == ResourceKind::Secret {
            out.extend(
                compose
                    .volume_secrets
                    .iter()
                    .filter(|s| is(m.file, &s.value))
                    .map(|s| place(m.file, &s.span)),
            );
        }
    }
    for service in &unit.services {
        for r in service.refs(kind).iter().filter(|r| r.name.exact() == Some(name)) {
            if let Some((def, written)) = project.reference(service, r, kind) {
                out.insert(place(def.file, &written.source.span));
            }
        }
    }
    out
}

fn location(snapshot: &Snapshot, found: &Found, file: FileId, span: &Range<usize>) -> Option<Location> {
    let source = &found.project.files[file];
    Some(Location {
        uri: snapshot.uri(&found.ws, &source.path)?,
        range: Lines::new(&source.text).range(span),
    })
}

/// Go to definition: the declarations the name under the cursor means, in every unit.
pub(super) fn definition(
    snapshot: &Snapshot,
    params: &GotoDefinitionParams,
) -> Result<Option<GotoDefinitionResponse>, Error> {
    let Some(found) = find(snapshot, &params.text_document_position_params)? else { return Ok(None) };
    let (project, symbol) = (&found.project, &found.symbol);
    let mut places = BTreeSet::new();
    for (unit, name) in meanings(project, symbol) {
        places.extend(
            declarations(project, unit, symbol.kind, &name).into_iter().map(|(f, d)| place(f, &d.name.span)),
        );
    }
    let list: Vec<Location> =
        places.iter().filter_map(|&(f, start, end)| location(snapshot, &found, f, &(start..end))).collect();
    Ok((!list.is_empty()).then_some(GotoDefinitionResponse::Array(list)))
}

/// Find references: every service reference to the name in every unit (and the declarations,
/// when asked).
pub(super) fn references(
    snapshot: &Snapshot,
    params: &ReferenceParams,
) -> Result<Option<Vec<Location>>, Error> {
    let Some(found) = find(snapshot, &params.text_document_position)? else { return Ok(None) };
    let (project, symbol) = (&found.project, &found.symbol);
    let mut places = BTreeSet::new();
    for (unit, name) in meanings(project, symbol) {
        places.extend(uses(project, unit, symbol.kind, &name));
        if params.context.include_declaration {
            places.extend(
                declarations(project, unit, symbol.kind, &name)
                    .into_iter()
                    .map(|(f, d)| place(f, &d.name.span)),
            );
        }
    }
    Ok(Some(
        places.iter().filter_map(|&(f, start, end)| location(snapshot, &found, f, &(start..end))).collect(),
    ))
}

/// Hover: what the name is in each unit: where it is declared and how, the Swarm object that
/// stands for it, and which services use it. Never a value: a `content:` or `environment:`
/// declaration says so without its text, and the whole text goes through the scrubber.
pub(super) fn hover(snapshot: &Snapshot, params: &HoverParams) -> Result<Option<Hover>, Error> {
    let Some(found) = find(snapshot, &params.text_document_position_params)? else { return Ok(None) };
    let (project, symbol) = (&found.project, &found.symbol);
    let noun = symbol.kind.noun();
    let meanings = meanings(project, symbol);
    if meanings.is_empty() {
        return Ok(None);
    }
    let mut text = String::new();
    let names: BTreeSet<&str> = meanings.iter().map(|(_, n)| n.as_str()).collect();
    let shown: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    let _ = writeln!(text, "**{noun} {}**", shown.join(", "));
    for (unit, name) in &meanings {
        let label = match &unit.env {
            Some(env) => format!("env `{env}`"),
            None => format!("`{}`", unit.label),
        };
        let _ = writeln!(text, "\n{label}:");
        let decls = declarations(project, unit, symbol.kind, name);
        let member = unit.members.iter().any(|m| m.file == symbol.file);
        if !member {
            let _ = writeln!(
                text,
                "- this file is read only for `extends` here: Compose takes services from it, not its top-level declarations"
            );
        }
        if decls.is_empty() {
            let _ = writeln!(text, "- not declared: a deploy of these files fails (MP001/MP002)");
        }
        for (file, d) in &decls {
            let source = &project.files[*file];
            let (line, _) = source.line_col(d.name.span.start);
            let _ = writeln!(text, "- declared in `{}` line {line}: {}", source.path, how(d));
            let real = d.real_name.as_ref().map(|r| match project.name_in(unit, *file, &r.value).exact() {
                Some(n) => n.to_string(),
                None => r.value.clone(),
            });
            let object = swarm_name(d, real.as_deref(), name, symbol.kind);
            let object = match unit.tool {
                Tool::Stack => object,
                // These files are read as `docker compose` reads them, which makes no Swarm
                // object; the same files given to `docker stack deploy` would.
                Tool::Compose => {
                    format!("{object} with `docker stack deploy` (`docker compose` makes no Swarm object)")
                }
            };
            let _ = writeln!(text, "- Swarm object: {object}");
        }
        let mut users: BTreeSet<&str> = unit
            .services
            .iter()
            .filter(|s| s.refs(symbol.kind).iter().any(|r| r.name.exact() == Some(name.as_str())))
            .map(|s| s.name.as_str())
            .collect();
        if symbol.kind == ResourceKind::Config {
            // `credential_spec.config` hands a config to the service too.
            users.extend(project.services(unit).filter_map(|(file, s)| {
                let c = s.credential_config.as_ref()?;
                (project.name_in(unit, file, &c.value).exact() == Some(name.as_str()))
                    .then_some(s.name.value.as_str())
            }));
        }
        if users.is_empty() {
            let _ = writeln!(text, "- used by no service");
        } else {
            let users: Vec<String> = users.iter().map(|s| format!("`{s}`")).collect();
            let _ = writeln!(text, "- used by {}", users.join(", "));
        }
    }
    let scrubber = Scrubber::for_project(&found.det, project);
    let value = scrubber.scrub(&text).into_owned();
    let range = Lines::new(&project.files[symbol.file].text).range(&symbol.span);
    Ok(Some(Hover {
        contents: HoverContents::Markup(MarkupContent { kind: MarkupKind::Markdown, value }),
        range: Some(range),
    }))
}

/// How a declaration gives its value, without the value.
fn how(d: &Declaration) -> String {
    if d.external {
        "external (the object must exist in Swarm before the deploy)".into()
    } else if let Some(file) = &d.file {
        format!("from the file `{}`", file.value)
    } else if let Some(var) = &d.environment {
        format!("from the variable `{}` when deploying", var.value)
    } else if d.content.is_some() {
        "inline `content:` (its text is not shown)".into()
    } else {
        "with no source".into()
    }
}

/// The Swarm object a declaration stands for when `docker stack deploy` deploys it
/// ([`Declaration::swarm_object`], the stack left as `<stack>`), MiniPaaS's versioned names
/// shown with their base and version.
fn swarm_name(d: &Declaration, real: Option<&str>, key: &str, kind: ResourceKind) -> String {
    let named = d.swarm_object(key, real, "<stack>");
    let object = if real.is_none() && !d.external {
        format!("`{named}` (the deploy creates it)")
    } else {
        format!("`{named}`")
    };
    match split_version(&named) {
        Some((base, version)) => format!(
            "{object}: MiniPaaS's versioned name for `{base}` (version `{version}`, from the value's SHA-256; `minipaas {} create` makes the next one)",
            kind.noun()
        ),
        None => object,
    }
}
