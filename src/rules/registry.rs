//! The rule registry: every rule, in code order, and lookup by code or name.

use super::rule::Rule;
use super::{
    committed_secret_file, conflicting_secret_target, file_env_without_secret, literal_secret_env,
    minipaas_missing_file, password_hash, secret_pattern, suppression_without_reason, undeclared_config,
    undeclared_secret, unused_config, unused_secret, unused_suppression,
};

/// Every rule, in code order.
pub(crate) static RULES: &[&dyn Rule] = &[
    &undeclared_secret::UndeclaredSecret,
    &undeclared_config::UndeclaredConfig,
    &unused_secret::UnusedSecret,
    &unused_config::UnusedConfig,
    &committed_secret_file::CommittedSecretFile,
    &literal_secret_env::LiteralSecretEnv,
    &secret_pattern::SecretPattern,
    &conflicting_secret_target::ConflictingSecretTarget,
    &file_env_without_secret::FileEnvWithoutSecret,
    &minipaas_missing_file::MinipaasMissingFile,
    &unused_suppression::UnusedSuppression,
    &suppression_without_reason::SuppressionWithoutReason,
    &password_hash::PasswordHash,
];

/// Finds a rule by code (`MP001`, any case) or name (`undeclared-secret`).
pub(crate) fn lookup(code_or_name: &str) -> Option<&'static dyn Rule> {
    RULES.iter().copied().find(|r| {
        let m = r.meta();
        m.code.eq_ignore_ascii_case(code_or_name) || m.name == code_or_name
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_is_consistent() {
        let mut codes = std::collections::HashSet::new();
        for (i, rule) in RULES.iter().enumerate() {
            let m = rule.meta();
            assert_eq!(m.code, format!("MP{:03}", i + 1), "codes are in order and never reused");
            assert!(codes.insert(m.code));
            assert!(m.name.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{} is kebab-case", m.name);
            for prefix in ["use-", "avoid-", "prefer-", "do-not-", "consider-"] {
                assert!(!m.name.starts_with(prefix), "{} names the pattern, not the remedy", m.name);
            }
            for section in
                ["## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix safety"]
            {
                assert!(m.doc.contains(section), "{} doc lacks {section}", m.code);
            }
            assert!(lookup(m.code).is_some() && lookup(m.name).is_some());
            assert!(lookup(&m.code.to_lowercase()).is_some());
        }
        assert!(lookup("MP999").is_none());
    }
}
