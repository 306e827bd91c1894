//! `--diff`: unified diffs of what `--fix` would write, computed on masked texts so a changed
//! line never shows a secret value.

use std::io::Write;

use similar::TextDiff;

use crate::fix::engine::Change;
use crate::redact::{Shape, mask_with};
use crate::secrets::Detector;

/// Writes one unified diff per changed file.
pub fn render(changes: &[Change], det: &Detector, out: &mut dyn Write) -> std::io::Result<()> {
    for change in changes {
        let (before, after) = {
            let shape = Shape::of_path(&change.path);
            (mask_with(&change.before, shape, det), mask_with(&change.after, shape, det))
        };
        let diff = TextDiff::from_lines(&before, &after);
        let a = format!("a/{}", change.path);
        let b = format!("b/{}", change.path);
        write!(out, "{}", diff.unified_diff().context_radius(3).header(&a, &b))?;
    }
    Ok(())
}
