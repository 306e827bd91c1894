//! The command line, declared with clap derive.

use std::path::PathBuf;

use clap::{ArgGroup, Args, Parser, Subcommand};

use crate::render::Format;

/// Keeps Docker Compose secrets and configs honest.
#[derive(Debug, Parser)]
#[command(name = "minipaas", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint the Compose files of the repository that contains the current directory.
    #[command(
        after_help = "Examples:\n  minipaas lint                  # the whole repository\n  minipaas lint --env dev        # only the env in dev/minipaas.yaml\n  minipaas lint --staged         # what the next commit contains\n  minipaas lint --format json deploy/\n  minipaas lint --fix            # apply safe fixes\n  minipaas lint --diff --unsafe-fixes\n  minipaas lint --write-baseline .minipaas-baseline.json\n  minipaas lint --baseline .minipaas-baseline.json\n  minipaas lint --since origin/main --format sarif > minipaas.sarif\n  minipaas lint --history\n\nExit codes: 0 no error-level finding, 1 findings, 2 usage or input error."
    )]
    Lint(LintArgs),
    /// List the lint units: which Compose files are deployed together, why, and what each
    /// unit cannot see.
    #[command(
        after_help = "Examples:\n  minipaas units                 # every unit of the repository\n  minipaas units --format json\n  minipaas units deploy/         # the units holding these files\n  minipaas units --env prod\n\nTo group files differently, list them in .minipaas.toml:\n  [[lint.project]]\n  files = [\"compose.yml\", \"compose.prod.yml\"]"
    )]
    Units(UnitsArgs),
    /// Print the documentation of one rule (by code or name).
    #[command(after_help = "Examples:\n  minipaas rule MP001\n  minipaas rule unused-secret")]
    Rule {
        /// `MP001` or `undeclared-secret`.
        code: String,
    },
    /// List every rule: code, name, default level, summary.
    #[command(after_help = "Examples:\n  minipaas rules\n  minipaas rules | grep secret")]
    Rules,
    /// Write a commented starter `.minipaas.toml` at the repository root.
    #[command(after_help = "Examples:\n  minipaas init\n  minipaas init --force   # replace an existing one")]
    Init {
        /// Replace an existing configuration.
        #[arg(long)]
        force: bool,
    },
    /// Run a Language Server on stdin/stdout: the findings as diagnostics while you edit.
    #[command(
        after_help = "Editors start it themselves; see the README for Neovim, VS Code, Helix and Zed.\n  minipaas lsp"
    )]
    Lsp,
    /// Create, delete, prune and list Swarm secrets and the Compose references to them.
    #[command(subcommand, after_help = RESOURCE_HELP)]
    Secret(ResourceAction),
    /// Create, delete, prune and list Swarm configs and the Compose references to them.
    #[command(subcommand, after_help = RESOURCE_HELP)]
    Config(ResourceAction),
}

const RESOURCE_HELP: &str = "Examples:\n  echo -n \"$PW\" | minipaas secret create --env dev --name postgres_password --for postgres --for api\n  minipaas config create --env dev --for api ./configs/app.json\n  minipaas secret delete --env dev --name postgres_password\n  minipaas secret prune --env dev            # list what nothing uses (exit 1 if any)\n  minipaas secret prune --env dev --delete\n  minipaas secret ls --env dev\n  minipaas secret status --env prod          # files vs Swarm vs running services (exit 1 if stale)";

/// `secret` and `config` subcommands.
#[derive(Debug, Subcommand)]
pub enum ResourceAction {
    /// Create a versioned object `<name>.<hash8>` from FILE (or stdin) and reference it from
    /// each --for service, replacing an older version mounted at the same target.
    #[command(
        after_help = "Examples:\n  printf '%s' \"$PW\" | minipaas secret create --env dev --name postgres_password --for postgres --for api\n  minipaas config create --env dev --for api ./configs/app.json"
    )]
    Create {
        /// The folder holding the env's minipaas.yaml.
        #[arg(long)]
        env: PathBuf,
        /// Base name (default: FILE's name).
        #[arg(long)]
        name: Option<String>,
        /// A service to grant it to (repeatable).
        #[arg(long = "for", value_name = "SERVICE")]
        services: Vec<String>,
        /// Read the value from this file instead of stdin.
        file: Option<PathBuf>,
    },
    /// Remove every reference to NAME (any version) and its declarations from the env's
    /// files, and with the `swarm` feature the Swarm objects.
    #[command(
        after_help = "Examples:\n  minipaas secret delete --env dev --name postgres_password            # every version\n  minipaas secret delete --env dev --name postgres_password.267da420   # one version"
    )]
    Delete {
        /// The folder holding the env's minipaas.yaml.
        #[arg(long)]
        env: PathBuf,
        /// Base name (all versions) or one versioned name.
        #[arg(long)]
        name: String,
    },
    /// List declarations no service of the env uses (and, with `swarm`, objects minipaas
    /// created for this env that no file references); --delete removes them.
    #[command(
        after_help = "Examples:\n  minipaas secret prune --env dev            # list; exit 1 if anything is unused\n  minipaas config prune --env dev --delete"
    )]
    Prune {
        /// The folder holding the env's minipaas.yaml.
        #[arg(long)]
        env: PathBuf,
        /// Remove them instead of listing them.
        #[arg(long)]
        delete: bool,
    },
    /// Show which service uses which name, and whether Swarm has it.
    #[command(after_help = "Examples:\n  minipaas secret ls --env dev\n  minipaas config ls --env prod")]
    Ls {
        /// The folder holding the env's minipaas.yaml.
        #[arg(long)]
        env: PathBuf,
    },
    /// Compare the files with Swarm: for each name, the version the files reference, the
    /// versions Swarm holds, and the version each service of the env's stack runs. Exit 1 when
    /// a service runs an old version (stale) or the files reference an object Swarm lacks
    /// (missing). Needs the `swarm` feature.
    #[command(
        after_help = "Examples:\n  minipaas secret status --env prod\n  minipaas config status --env prod --stack shop --format json"
    )]
    Status {
        /// The folder holding the env's minipaas.yaml.
        #[arg(long)]
        env: PathBuf,
        /// The stack the env is deployed as (default: the env's `namespace`, else `minipaas`,
        /// the name MiniPaaS deploys with).
        #[arg(long)]
        stack: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
}

/// Options of `minipaas units`.
#[derive(Debug, Args)]
pub struct UnitsArgs {
    /// Only the units holding these files or folders (default: the whole repository).
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Only this env (the folder of its minipaas.yaml, relative to the repository root).
    #[arg(long, value_name = "NAME")]
    pub env: Option<String>,
    /// Read the blobs staged in the git index, not the work tree.
    #[arg(long)]
    pub staged: bool,
    /// Also treat files matching this glob (relative to the repository root) as Compose files.
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,
    /// Read this configuration file instead of `.minipaas.toml` at the repository root.
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
}

/// Output formats of `minipaas units` and `secret|config status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// For people.
    Text,
    /// A versioned JSON document.
    Json,
}

/// Options of `minipaas lint`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("mode").args(["fix", "diff"])))]
pub struct LintArgs {
    /// Files or folders to lint (default: the whole repository). Units that contain them are
    /// linted whole, since references cross files.
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Only lint this env (the folder of its minipaas.yaml, relative to the repository root).
    #[arg(long, value_name = "NAME")]
    pub env: Option<String>,
    /// Lint the blobs staged in the git index (what the next commit contains), not the work tree.
    #[arg(long, conflicts_with = "mode")]
    pub staged: bool,
    /// Apply the safe fixes and write the files (atomically, only the bytes that change).
    #[arg(long)]
    pub fix: bool,
    /// With --fix or --diff: also apply the unsafe fixes (they change what is deployed).
    #[arg(long, requires = "mode")]
    pub unsafe_fixes: bool,
    /// Print a unified diff of what --fix would change and write nothing (exit 1 if any).
    #[arg(long)]
    pub diff: bool,
    /// Also treat files matching this glob (relative to the repository root) as Compose files.
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,
    /// Read this configuration file instead of `.minipaas.toml` at the repository root.
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Only these rules (codes or names, comma-separated; overrides the file).
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub select: Vec<String>,
    /// Never these rules (codes or names, comma-separated; added to the file's).
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Report only findings not recorded in this baseline file.
    #[arg(long, value_name = "FILE", conflicts_with = "write_baseline")]
    pub baseline: Option<PathBuf>,
    /// Record the current findings in this baseline file (no line numbers, no values) and exit 0.
    #[arg(long, value_name = "FILE", conflicts_with = "mode")]
    pub write_baseline: Option<PathBuf>,
    /// Report only findings that are new compared with this git revision (read from git
    /// objects, no checkout).
    #[arg(long, value_name = "REF", conflicts_with_all = ["mode", "staged"])]
    pub since: Option<String>,
    /// Scan every commit reachable from HEAD for values that were ever committed (MP005,
    /// MP006, MP007), once per leak with the commit that introduced it.
    #[arg(long, conflicts_with_all = ["mode", "staged", "since", "baseline", "write_baseline"])]
    pub history: bool,
    /// After the report, print counts: files, units, findings per rule, time taken.
    #[arg(long)]
    pub stats: bool,
    /// Never use colours (also honoured: the NO_COLOR environment variable).
    #[arg(long)]
    pub no_color: bool,
    /// Print findings only, without the summary line.
    #[arg(long, short)]
    pub quiet: bool,
}
