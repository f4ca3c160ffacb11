import numpy as np
from hypothesis import given

from tests import strategies as S
from tests.parity import check_both


@given(S.broadcastable_shapes(2).flatmap(lambda shs: S.arrays(shs[0]).flatmap(
    lambda a: S.arrays(shs[1]).map(lambda b: (a, b)))))
def test_mul_broadcast(ab):
    a, b = ab
    check_both(lambda lib, x, y: x * y + x, a, b)
