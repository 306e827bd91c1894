//! `--diff`: unified diffs of what `--fix` would write, computed on masked texts so a changed
//! line never shows a secret value.

use std::io::Write;

use similar::TextDiff;

use crate::fix::engine::Change;
use crate::secrets::mask::{Scrubber, Shape, mask_with};

/// Writes one unified diff per changed file.
pub(crate) fn render(
    changes: &[Change],
    scrubber: &Scrubber<'_>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let det = scrubber.detector();
    for change in changes {
        let (before, after) = {
            let shape = Shape::of_path(&change.path);
            let mask = |text: &str| scrubber.mask_known(mask_with(text, shape, det));
            (mask(&change.before), mask(&change.after))
        };
        let diff = TextDiff::from_lines(&before, &after);
        let a = format!("a/{}", change.path);
        let b = format!("b/{}", change.path);
        write!(out, "{}", diff.unified_diff().context_radius(3).header(&a, &b))?;
    }
    Ok(())
}
