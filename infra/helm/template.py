"""`helm template` without a helm binary: render infra/helm/voelgoed with a values file and print
the manifests (Helm's own Go library, from the helm-python-sdk wheel of the `infra` extra).

    python infra/helm/template.py my-values.yaml > manifests.yaml
"""

from __future__ import annotations

import sys
from pathlib import Path

import helm_python
import yaml

CHART = Path(__file__).resolve().parent / "voelgoed"


def main(values_path: str) -> None:
    values = yaml.safe_load(Path(values_path).read_text()) or {}
    rendered = helm_python.Chart.load(str(CHART)).render(values, name="voelgoed", is_install=True)
    for name in sorted(rendered):
        if name.endswith(".yaml") and rendered[name].strip():
            sys.stdout.write(f"---\n# Source: {name}\n{rendered[name].strip()}\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(CHART / "ci" / "test-values.yaml"))
