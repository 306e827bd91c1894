//! Criterion benchmarks of the per-file path (parse → Compose view → rules) and of a whole
//! small project, so a regression shows per change: `cargo bench`.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use minipaas::testing::Compose;
use minipaas::testing::Tree;
use minipaas::testing::Workspace;
use minipaas::testing::{LoadOptions, Project};

/// A realistic Compose file: anchors, secrets, configs, environment, a planted literal.
const FILE: &str = include_str!("../tests/fixes/comments-and-anchors/docker-compose.yml");

fn per_file(c: &mut Criterion) {
    c.bench_function("parse", |b| b.iter(|| Tree::parse_with(black_box(FILE), false)));
    let tree = Tree::parse_with(FILE, false).unwrap_or_default();
    c.bench_function("compose view", |b| b.iter(|| Compose::read(black_box(&tree), FILE)));
}

fn project(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let ws = Workspace::with_tracked(&root, Default::default());
    c.bench_function("load + rules (rule fixtures)", |b| {
        b.iter(|| {
            let project = Project::load(&ws, &LoadOptions::default()).ok();
            black_box(project.map(|p| minipaas::testing::check_all(&p, &Default::default()).len()))
        })
    });
}

criterion_group!(benches, per_file, project);
criterion_main!(benches);
