#!/usr/bin/env bash
# The GitHub Action's step (action.yml). Inputs arrive as INPUT_* environment variables and
# are only ever used as quoted arguments. Installs minipaas (unless MINIPAAS_BIN names one):
# the wheel of the action's own version from PyPI, with the runner's Python, into a venv of
# its own; only when no wheel can be had, `cargo install` from the action's checkout. Then
# prints the chosen format (annotations by default), writes SARIF and a Markdown job summary,
# and fails according to `fail-on`.
set -euo pipefail

bin="${MINIPAAS_BIN:-}"
if [ -z "$bin" ]; then
  version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$ACTION_PATH/Cargo.toml" | head -1)
  venv="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/minipaas-$version"
  python=$(command -v python3 || command -v python || true)
  if [ -x "$venv/bin/minipaas" ]; then
    bin="$venv/bin/minipaas"
  elif [ -n "$python" ] && "$python" -m venv "$venv" >/dev/null 2>&1 &&
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "minipaas==$version"; then
    bin="$venv/bin/minipaas"
  elif command -v cargo >/dev/null 2>&1; then
    echo "::notice title=minipaas::no minipaas $version wheel for this runner; building it with cargo"
    cargo install --locked --quiet --path "$ACTION_PATH" --root "$HOME/.minipaas"
    bin="$HOME/.minipaas/bin/minipaas"
  else
    echo "::error title=minipaas::could not install minipaas $version: no wheel for this runner (pip) and no cargo"
    exit 2
  fi
fi

case "${INPUT_FAIL_ON:-error}" in
  error | warning | never) ;;
  *) echo "::error title=minipaas::fail-on must be error, warning or never (got: ${INPUT_FAIL_ON})"; exit 2 ;;
esac

cd "${INPUT_PATH:-.}"
args=(lint)
if [ -n "${INPUT_ENV:-}" ]; then args+=(--env "$INPUT_ENV"); fi
extra=()
if [ -n "${INPUT_ARGS:-}" ]; then read -r -a extra <<<"$INPUT_ARGS"; fi

# The log: annotations (or whatever format was asked for). Its exit code is decided below.
"$bin" "${args[@]}" "${extra[@]}" --format "${INPUT_FORMAT:-github}" || true

if [ -n "${INPUT_SARIF_FILE:-}" ]; then
  "$bin" "${args[@]}" "${extra[@]}" --format sarif >"$INPUT_SARIF_FILE" || true
  echo "sarif-file=$INPUT_SARIF_FILE" >>"${GITHUB_OUTPUT:-/dev/null}"
fi

report=$(mktemp)
problem=$(mktemp)
trap 'rm -f "$report" "$problem"' EXIT
set +e
"$bin" "${args[@]}" "${extra[@]}" --format json >"$report" 2>"$problem"
code=$?
set -e

if [ ! -s "$report" ]; then
  # minipaas stopped before linting (bad arguments, unknown env, bad config): say why.
  { echo "## minipaas"; echo; echo "minipaas could not run:"; echo; echo '```'; cat "$problem"; echo '```'; } >>"${GITHUB_STEP_SUMMARY:-/dev/null}"
  cat "$problem" >&2
  exit "$code"
fi

python3 - "$report" "${GITHUB_STEP_SUMMARY:-/dev/null}" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
s = doc["summary"]
out = ["## minipaas", ""]
if not doc["findings"] and not doc["errors"]:
    out.append(f"No problems found ({s['files']} Compose files in {s['units']} units).")
else:
    out.append(f"{s['errors']} error(s), {s['warnings']} warning(s), {s['input_errors']} unreadable input(s) in {s['files']} Compose files.")
    out += ["", "| Severity | Rule | Location | Message |", "|---|---|---|---|"]
    cell = lambda t: str(t).replace("|", "\\|").replace("\n", " ")
    for e in doc["errors"]:
        out.append(f"| {e['severity']} | input | `{cell(e['path'])}:{e['line'] or ''}` | {cell(e['message'])} |")
    for f in doc["findings"]:
        out.append(f"| {f['severity']} | {f['code']} {f['name']} | `{cell(f['path'])}:{f['line']}` | {cell(f['message'])} |")
with open(sys.argv[2], "a") as fh:
    fh.write("\n".join(out) + "\n")
PY

case "${INPUT_FAIL_ON:-error}" in
  never) exit 0 ;;
  warning)
    if [ "$code" -ne 0 ]; then exit "$code"; fi
    # Warnings do not change minipaas's exit code; here any finding fails the step.
    python3 -c 'import json, sys; sys.exit(1 if json.load(open(sys.argv[1]))["findings"] else 0)' "$report"
    ;;
  *) exit "$code" ;;
esac
