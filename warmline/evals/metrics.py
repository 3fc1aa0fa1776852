"""Classification scores, computed the same way for every evaluation."""

from collections.abc import Iterable

from pydantic import BaseModel


class BinaryScores(BaseModel):
    support: int
    tp: int
    fp: int
    fn: int
    tn: int
    precision: float
    recall: float
    f1: float
    accuracy: float

    @classmethod
    def of(cls, pairs: Iterable[tuple[bool, bool]]) -> "BinaryScores":
        """Scores from (gold, predicted) pairs."""
        tp = fp = fn = tn = 0
        for gold, predicted in pairs:
            if gold and predicted:
                tp += 1
            elif predicted:
                fp += 1
            elif gold:
                fn += 1
            else:
                tn += 1
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        total = tp + fp + fn + tn
        return cls(
            support=tp + fn,
            tp=tp,
            fp=fp,
            fn=fn,
            tn=tn,
            precision=round(precision, 4),
            recall=round(recall, 4),
            f1=round(f1, 4),
            accuracy=round((tp + tn) / total, 4) if total else 1.0,
        )
