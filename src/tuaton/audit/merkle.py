"""The Merkle tree hash of RFC 6962 §2.1 (Certificate Transparency) over a batch of audit events,
and audit paths (inclusion proofs) through it.

    leaf hash  = SHA-256(0x00 ‖ leaf data)
    node hash  = SHA-256(0x01 ‖ left ‖ right), splitting n leaves at the largest power of two < n
"""

from __future__ import annotations

import hashlib


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    k = 1
    while k << 1 < n:
        k <<= 1
    return k


def root(leaves: list[bytes]) -> bytes:
    """The tree hash of ``leaves`` (already leaf-hashed); the hash of nothing for an empty list."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    level = list(leaves)
    # bottom-up over RFC 6962's left-balanced tree: pair neighbours; an odd last node moves up as is
    while len(level) > 1:
        level = [_node(level[i], level[i + 1]) if i + 1 < len(level) else level[i] for i in range(0, len(level), 2)]
    return level[0]


def audit_path(leaves: list[bytes], index: int) -> list[bytes]:
    """RFC 6962 §2.1.1: the nodes needed to recompute the root from leaf ``index``."""
    if len(leaves) <= 1:
        return []
    k = _split(len(leaves))
    if index < k:
        return audit_path(leaves[:k], index) + [root(leaves[k:])]
    return audit_path(leaves[k:], index - k) + [root(leaves[:k])]


def root_from_path(leaf: bytes, index: int, size: int, path: list[bytes]) -> bytes:
    """The root that ``leaf`` at ``index`` of a tree of ``size`` leaves proves with ``path``
    (RFC 9162 §2.1.3.2's verification, written for the left-balanced tree)."""
    if size <= 1:
        if path:
            raise ValueError("a one-leaf tree has an empty audit path")
        return leaf
    if not path:
        raise ValueError("the audit path is too short")
    k = _split(size)
    if index < k:
        return _node(root_from_path(leaf, index, k, path[:-1]), path[-1])
    return _node(path[-1], root_from_path(leaf, index - k, size - k, path[:-1]))
