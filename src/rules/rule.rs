//! What a rule is: the [`Rule`] trait every rule implements, and the [`rule!`] macro that
//! declares a rule's type and metadata in one place.

use crate::diagnostic::{Finding, RuleMeta};
use crate::model::Project;
use crate::secrets::Detector;

use super::suppress::Applied;

/// A rule's identity and documentation; [`rule!`] implements it.
pub(crate) trait Described {
    /// The rule's code, name, summary, severity and documentation.
    fn meta(&self) -> &'static RuleMeta;
}

/// A lint rule: a pure function of the project that appends findings with byte ranges. Most
/// rules look at the project (`check`); the suppression rules look at what the inline
/// suppressions did once applied (`report`), and add findings of their own.
pub(crate) trait Rule: Described + Sync {
    /// Appends the rule's findings for the whole project; `detector` tells secret values
    /// (with the configuration's extra words and allowed values).
    fn check(&self, _project: &Project, _detector: &Detector, _out: &mut Vec<Finding>) {}
    /// Appends the rule's findings about the suppression comments, once they were applied
    /// ([`super::suppress::apply`]); it never changes another rule's findings.
    fn report(&self, _project: &Project, _suppressions: &[Applied], _out: &mut Vec<Finding>) {}
}

/// Declares a rule: its unit type, its `META` (code, kebab-case name, one-line summary,
/// severity, Markdown documentation) and [`Described`] for it.
macro_rules! rule {
    (
        $(#[$attr:meta])*
        $ty:ident {
            code: $code:literal,
            name: $name:literal,
            summary: $summary:literal,
            severity: $severity:ident,
            doc: $doc:literal $(,)?
        }
    ) => {
        $(#[$attr])*
        pub(super) struct $ty;

        static META: $crate::diagnostic::RuleMeta = $crate::diagnostic::RuleMeta {
            code: $code,
            name: $name,
            summary: $summary,
            severity: $crate::diagnostic::Severity::$severity,
            doc: $doc,
        };

        impl $crate::rules::rule::Described for $ty {
            fn meta(&self) -> &'static $crate::diagnostic::RuleMeta {
                &META
            }
        }
    };
}

pub(crate) use rule;
