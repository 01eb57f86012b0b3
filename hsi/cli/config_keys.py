"""``KEY=VALUE`` naming no setting: one sentence with the closest key, before Hydra prints its page.

Hydra answers ``hsi-train trainer.epoch=5`` with seven lines ("Could not override...", a hint to
append ``+trainer.epoch=5`` that only moves the failure, HYDRA_FULL_ERROR). Here the config is
composed once per chosen option of each group (the keys of ``model=svm`` are not those of
HybridSN), and a key is refused only when none of those configs has it.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable

from hydra import compose, initialize_config_module
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import DictConfig, OmegaConf

from hsi.errors import UserError

CONFIG_MODULE = "hsi.configs"
CONFIG_NAME = "train"


def _choices(override) -> list[str]:
    """The values of a ``GROUP=OPTION`` override, every one of a sweep's list."""
    if override.is_sweep_override():
        return [str(v) for v in override.sweep_string_iterator()]
    return [override.get_value_element_as_str()]


def _compositions(group_overrides: list, compose_with: Callable[[list[str]], DictConfig]) -> list[DictConfig]:
    """The config with the first option of every group, then each further option of one group at a time."""
    first = {o.key_or_group: _choices(o) for o in group_overrides}
    base = [f"{group}={options[0]}" for group, options in first.items()]
    configs = [compose_with(base)]
    for group, options in first.items():
        for option in options[1:]:
            configs.append(compose_with([f"{group}={option}" if o.startswith(group + "=") else o for o in base]))
    return configs


def closest_key(cfg: DictConfig, key: str) -> str | None:
    """The existing key nearest to ``key``: among the children of its deepest existing parent."""
    parts = key.split(".")
    node, known = cfg, []
    for part in parts[:-1]:
        child = node._get_node(part) if part in node.keys() else None  # noqa: SIM118 - `in` skips ??? values
        if not isinstance(child, DictConfig):
            break
        node, known = child, [*known, part]
    wanted = parts[len(known)]
    close = difflib.get_close_matches(wanted, [str(k) for k in node], n=1, cutoff=0.6)
    return ".".join([*known, close[0]]) if close else None


def has_key(cfg: DictConfig, key: str) -> bool:
    """Whether ``key`` (dotted) is in ``cfg``, or may be added there (a node that is not struct).

    Below a value that is not a mapping (``logger: null``) the question is left to Hydra: True."""
    node = cfg
    for part in key.split("."):
        if not isinstance(node, DictConfig):
            return True
        if part not in node.keys():  # noqa: SIM118 - `in` is False for a ??? (mandatory) value
            return not OmegaConf.is_struct(node)
        node = node._get_node(part)
    return True


def unknown_key_error(key: str, configs: list[DictConfig]) -> UserError:
    close = next((c for c in (closest_key(cfg, key) for cfg in configs) if c), None)
    hint = f" (did you mean {close}?)" if close else ""
    return UserError(
        f"{key} is not a setting of hsi-train{hint}; `hsi-train --cfg job` prints every setting, and "
        f"+{key}=... adds a new key where a config is meant to take one."
    )


def check_keys_exist(argv: list[str], is_group: Callable[[str], bool]) -> None:
    """Raise :class:`UserError` for the first ``KEY=VALUE`` whose key no composed config has.

    ``is_group`` tells a config group (``model``) from a key (``seed``). Additions (``+KEY``),
    deletions, Hydra's own settings and user config folders are left to Hydra; so is any
    composition that fails for another reason (its own message is the better one).
    """
    overrides = [a for a in argv if "=" in a and not a.startswith("-")]
    try:
        parsed = OverridesParser.create().parse_overrides(overrides)
    except Exception:  # noqa: BLE001 - Hydra reports a malformed override itself
        return
    parsed = [o for o in parsed if not o.key_or_group.startswith(("hydra.", "hydra/")) and o.package is None]
    groups = [o for o in parsed if is_group(o.key_or_group) and not (o.is_add() or o.is_delete())]
    keys = [o for o in parsed if not is_group(o.key_or_group) and not (o.is_add() or o.is_force_add() or o.is_delete())]
    if not keys:
        return
    GlobalHydra.instance().clear()
    try:
        with initialize_config_module(config_module=CONFIG_MODULE, version_base="1.3"):
            configs = _compositions(groups, lambda chosen: compose(config_name=CONFIG_NAME, overrides=chosen))
    except Exception:  # noqa: BLE001 - a composition error of another kind: Hydra's own words follow
        return
    finally:
        GlobalHydra.instance().clear()
    for override in keys:
        if not any(has_key(cfg, override.key_or_group) for cfg in configs):
            raise unknown_key_error(override.key_or_group, configs)
