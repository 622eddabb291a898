"""How many examples a property test draws. `make mutate` runs each mutant against the unit
tests that reach it and sets LIVEFEST_MUTATION=1: there the property tests draw a tenth, since
the deterministic edge tests do the killing and a run must take minutes. Everywhere else
(make test, .ci/run) the full count."""

import os


def examples(n: int) -> int:
    return max(20, n // 10) if os.environ.get("LIVEFEST_MUTATION") else n
