//! Times the phases of a lint (open the workspace, load and parse, rules, render) on a
//! repository, for finding where time goes: `cargo run --release --example phases -- DIR`.

use std::path::Path;
use std::time::Instant;

use minipaas::testing::Format;
use minipaas::testing::Workspace;
use minipaas::testing::{LoadOptions, Project};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".".into());
    let t = Instant::now();
    let ws = Workspace::open(Path::new(&dir), false)?;
    let open = t.elapsed();
    let t = Instant::now();
    let project = Project::load(&ws, &LoadOptions::default())?;
    let load = t.elapsed();
    let t = Instant::now();
    let findings = minipaas::testing::check_all(&project, &Default::default());
    let rules = t.elapsed();
    let t = Instant::now();
    let mut sink = Vec::new();
    minipaas::testing::render_findings(Format::Text, &project, &findings, &mut sink)?;
    let text = t.elapsed();
    let out = format!(
        "open {open:?}  load {load:?}  rules {rules:?}  render {text:?}  ({} files, {} findings)\n",
        ws.files().count(),
        findings.len()
    );
    std::io::Write::write_all(&mut std::io::stdout(), out.as_bytes())?;
    Ok(())
}
