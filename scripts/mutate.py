"""`make mutate`: mutation testing of the pure modules against the fast unit tests.

Runs mutmut (configured in pyproject.toml, [tool.mutmut]) from a clean `mutants/` (pass
--keep to reuse the last run's results), then per module: mutants, killed, accepted
equivalents (tests/mutation/equivalent.txt), score, and every surviving mutant's diff.
The score is killed / (mutants - accepted equivalents); a mutant no unit test reaches, a
timeout or a suspicious one counts as not killed. Exits 1 when a module is below its target
(tests/mutation/targets.json) or an accepted equivalent no longer matches its mutant. The
last line is JSON {"module": score, ...} so the scores can be tracked.
"""

import argparse
import json
import os
import shutil
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ROOT / "tests" / "mutation" / "targets.json"
EQUIVALENT = ROOT / "tests" / "mutation" / "equivalent.txt"


def _pytest_9_shim() -> None:
    """mutmut 3.7 reads `item._nodeid`, which pytest 9.2 no longer has; `nodeid` is the same value."""
    from _pytest.nodes import Node

    if not hasattr(Node, "_nodeid"):
        Node._nodeid = property(lambda self: self.nodeid)  # type: ignore[attr-defined]


def equivalents() -> dict[str, tuple[str, str]]:
    """`name | the mutated line | reason` per line: the line guards against mutmut renumbering."""
    accepted: dict[str, tuple[str, str]] = {}
    for number, line in enumerate(EQUIVALENT.read_text().splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        # The mutated line may hold " | " itself (a type union): the name is before the first, the
        # reason after the last.
        name, _, rest = line.partition(" | ")
        mutated, _, reason = rest.rpartition(" | ")
        if not (name.strip() and mutated.strip() and reason.strip()):
            sys.exit(f"{EQUIVALENT}:{number}: expected 'mutant name | mutated line | reason'")
        accepted[name.strip()] = (mutated.strip(), reason.strip())
    return accepted


def module_of(mutant: str) -> str:
    return mutant.split(".x_")[0].split(".xǁ")[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="reuse mutants/ from the last run")
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 2)
    parser.add_argument("mutants", nargs="*", help="rerun only these mutants (glob patterns); implies --keep")
    args = parser.parse_args()
    args.keep = args.keep or bool(args.mutants)

    os.chdir(ROOT)
    if not args.keep:
        shutil.rmtree(ROOT / "mutants", ignore_errors=True)
    os.environ["LIVEFEST_MUTATION"] = "1"  # property tests draw fewer examples (tests/support/budget.py)
    _pytest_9_shim()
    import mutmut.__main__ as mm

    try:
        mm.cli(["run", "--max-children", str(args.max_children), *args.mutants], standalone_mode=False)
    except SystemExit as exc:
        if exc.code:
            print(f"mutmut run failed ({exc.code})")
            return 1

    targets: dict[str, float] = json.loads(TARGETS.read_text())
    accepted = equivalents()
    status: dict[str, dict[str, str]] = defaultdict(dict)
    for meta in sorted((ROOT / "mutants").rglob("*.py.meta")):
        for name, code in json.loads(meta.read_text())["exit_code_by_key"].items():
            status[module_of(name)][name] = mm.status_by_exit_code[code]

    ok = True
    scores: dict[str, float] = {}
    print()
    for module in targets:
        if module not in status:
            print(f"{module}: no mutants found (is it in [tool.mutmut] only_mutate?)")
            ok = False
            continue
        mutants = status[module]
        equivalent, survivors = [], []
        for name, verdict in sorted(mutants.items(), key=lambda kv: _order(kv[0])):
            if verdict == "killed":
                continue
            diff = mm.get_diff_for_mutant(name)
            if name in accepted:
                line, _ = accepted[name]
                if any(d[1:].strip() == line for d in diff.splitlines() if d.startswith("+") and
                       not d.startswith("+++")):
                    equivalent.append(name)
                    continue
                print(f"STALE equivalent {name}: its diff no longer adds {line!r}\n{diff}\n")
                ok = False
            survivors.append((name, verdict, diff))
        killed = sum(v == "killed" for v in mutants.values())
        counted = len(mutants) - len(equivalent)
        score = killed / counted if counted else 1.0
        scores[module] = round(score * 100, 1)
        for name, verdict, diff in survivors:
            print(f"--- {verdict}: {name}\n{diff}\n")
        below = score * 100 < targets[module]
        ok &= not below
        print(f"{module}: {len(mutants)} mutants, {killed} killed, {len(equivalent)} accepted equivalent, "
              f"{len(survivors)} not killed -> {score:.1%} (target {targets[module]}%){'  BELOW' if below else ''}\n")
    for name in accepted:
        if not any(name in m for m in status.values()):
            print(f"STALE equivalent {name}: no such mutant")
            ok = False
    print("mutation score: " + ("all modules at target" if ok else "FAILED (see above)"))
    print(json.dumps(scores))
    return 0 if ok else 1


def _order(name: str) -> tuple[str, int]:
    base, _, n = name.rpartition("__mutmut_")
    return (base, int(n) if n.isdigit() else 0)


if __name__ == "__main__":
    sys.exit(main())
