"""Which data a run reads: a real folder, or the synthetic sample generated on demand."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from services.data.files import check_data_dir
from services.data.sample.folder import SAMPLE_FORMAT, previous_sample_files, readme_text
from services.data.sample.generate import generate_sample
from services.errors import DataError

SAMPLE_START = "2024-01-01"
SAMPLE_END = "2024-05-01"


def default_sample_dir(seed: int) -> Path:
    """Where the sample for ``seed`` is cached: ``$TMPDIR/carry-sample/seed-<seed>-f<format>``.

    The generator's format is in the name, so Carry versions with different generators
    never replace each other's sample under a running reader.
    """
    return Path(tempfile.gettempdir()) / "carry-sample" / f"seed-{seed}-f{SAMPLE_FORMAT}"


@dataclass(frozen=True)
class DataSource:
    """The data folder of a run.

    Attributes:
        path: the folder (absolute).
        synthetic: True when it is the generated sample, not real market data.
        seed: the sample's seed (None for real data).
    """

    path: Path
    synthetic: bool
    seed: int | None = None

    @classmethod
    def resolve(
        cls, data_dir: Path | str | None, *, seed: int = 7, cache_dir: Path | None = None
    ) -> DataSource:
        """Use ``data_dir`` if given, else generate (or reuse) the synthetic sample.

        Args:
            data_dir: a folder with the market-data layout, or None for the sample.
            seed: the sample's seed.
            cache_dir: where to keep the sample (default: `default_sample_dir`).

        Raises:
            DataError: ``data_dir`` is given but is not a folder.
        """
        if data_dir is not None:
            return cls(path=check_data_dir(Path(data_dir)), synthetic=False)
        target = Path(cache_dir) if cache_dir is not None else default_sample_dir(seed)
        return cls(path=ensure_sample(target, seed).resolve(), synthetic=True, seed=seed)

    def describe(self) -> dict[str, str | bool | int | None]:
        """The run's ``data_source`` record: what was read, for the results and logs."""
        if self.synthetic:
            text = f"synthetic sample data (seed {self.seed})"
        else:
            text = f"real: {self.path}"
        return {
            "data_source": text,
            "path": str(self.path),
            "synthetic": self.synthetic,
            "seed": self.seed,
        }


def ensure_sample(target: Path, seed: int) -> Path:
    """Generate the sample into ``target`` unless an identical one is already there.

    An existing folder is reused when its README.txt records the same parameters and
    files. Generation writes to a sibling temporary folder first and renames it into
    place, so a concurrent reader never sees half a sample.
    """
    readme = target / "README.txt"
    if readme.is_file() and _matches(readme, seed):
        return target
    if previous_sample_files(target) is None:
        raise DataError(
            f"sample cache folder {target} exists and is not a Carry sample folder",
            "point the sample cache at an empty or new folder",
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    aside = Path(tempfile.mkdtemp(prefix=f".{target.name}-old-", dir=target.parent))
    try:
        generate_sample(staging, seed=seed, start=SAMPLE_START, end=SAMPLE_END)
        if target.exists():
            # Moved aside, not deleted in place: a reader never meets half a folder.
            os.replace(target, aside / target.name)
        os.replace(staging, target)
    except OSError:
        # Another process won the race: use its copy if it is complete.
        if not (readme.is_file() and _matches(readme, seed)):
            raise
    finally:
        for leftover in (staging, aside):
            if leftover.exists():
                shutil.rmtree(leftover, ignore_errors=True)
    return target


def _matches(readme: Path, seed: int) -> bool:
    text = readme.read_text(encoding="utf-8")
    files = [ln.strip() for ln in text.splitlines() if ln.startswith("  ")]
    expected = readme_text(seed, SAMPLE_START, SAMPLE_END, None, None, files)
    return text == expected and all((readme.parent / f).is_file() for f in files)
