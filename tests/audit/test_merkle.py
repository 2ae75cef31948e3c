from hypothesis import given
from hypothesis import strategies as st

from tuaton.audit import merkle


def _reference(leaves):  # RFC 6962 §2.1, recursively, as the RFC writes it
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return merkle._node(_reference(leaves[:k]), _reference(leaves[k:]))


@given(st.lists(st.binary(max_size=8), min_size=1, max_size=70), st.data())
def test_every_leaf_proves_the_root_and_a_changed_leaf_does_not(datas, data):
    leaves = [merkle.leaf_hash(d) for d in datas]
    assert merkle.root(leaves) == _reference(leaves)
    index = data.draw(st.integers(0, len(leaves) - 1))
    path = merkle.audit_path(leaves, index)
    assert merkle.root_from_path(leaves[index], index, len(leaves), path) == merkle.root(leaves)
    forged = merkle.leaf_hash(datas[index] + b"!")
    assert merkle.root_from_path(forged, index, len(leaves), path) != merkle.root(leaves)
