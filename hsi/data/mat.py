"""Reading one array out of a MATLAB file, v5 (scipy) or v7.3 (HDF5, h5py)."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import scipy.io

from hsi.errors import UserError

_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


class UnreadableMatFile(UserError):
    """A file that is no readable .mat file (truncated, damaged, another format).

    ``remedy`` ends the sentence: a user's own file is to be replaced; an official scene's file
    can be fetched again (:class:`hsi.data.official.OfficialScene` says how)."""

    def __init__(self, path: Path, cause: BaseException, remedy: str = "replace it with an intact copy.") -> None:
        self.path, self.cause = Path(path), cause
        super().__init__(
            f"The file {path} could not be read as a MATLAB .mat file ({cause or type(cause).__name__}); {remedy}"
        )


def _is_hdf5(path: Path) -> bool:
    # MATLAB v7.3 files are HDF5 with a 512-byte user block, so the signature sits at
    # offset 512; plain HDF5 files have it at 0.
    with open(path, "rb") as f:
        head = f.read(520)
    return head[:8] == _HDF5_SIGNATURE or head[512:520] == _HDF5_SIGNATURE


def mat_keys(path: Path) -> list[str]:
    """The variable names stored in a .mat file (no MATLAB header entries)."""
    path = Path(path)
    try:
        if _is_hdf5(path):
            with h5py.File(path, "r") as f:
                return sorted(k for k in f.keys() if not k.startswith("#"))
        return sorted(k for k, *_ in scipy.io.whosmat(path))
    except Exception as exc:  # scipy/h5py raise many types for truncated or foreign files
        raise UnreadableMatFile(path, exc) from exc


def load_mat_array(path: Path, key: str) -> np.ndarray:
    """Load variable ``key`` from ``path`` as a C-ordered array in the axis order MATLAB shows.

    v7.3 files store arrays column-major, so h5py sees the axes reversed; they are
    transposed back so both versions give the same array.
    """
    path = Path(path)
    if not path.is_file():
        raise UserError(f"The file {path} does not exist; check the path or the data root.")
    try:
        if _is_hdf5(path):
            with h5py.File(path, "r") as f:
                if key not in f:
                    raise UserError(_missing_key(path, key, [k for k in f.keys() if not k.startswith("#")]))
                array = np.asarray(f[key][()]).T
        else:
            contents = scipy.io.loadmat(path, variable_names=[key])
            if key not in contents:
                raise UserError(_missing_key(path, key, mat_keys(path)))
            array = contents[key]
    except UserError:
        raise
    except Exception as exc:  # scipy/h5py raise many types for corrupt files
        raise UnreadableMatFile(path, exc) from exc
    return np.ascontiguousarray(array)


def _missing_key(path: Path, key: str, keys: list[str]) -> str:
    listed = ", ".join(sorted(keys)) or "none"
    return (
        f"The file {path} has no variable '{key}' (it has: {listed}); "
        "set the dataset's key to one of these."
    )
