"""Correct: PyTorch in float64, the loss from logits, gradients by autograd; returns tensors."""
import torch


def propagate(w, b, X, Y):
    w_t = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    b_t = torch.tensor(float(b), dtype=torch.float64, requires_grad=True)
    X_t, Y_t = torch.tensor(X, dtype=torch.float64), torch.tensor(Y, dtype=torch.float64)
    Z = w_t.T @ X_t + b_t
    cost = torch.nn.functional.binary_cross_entropy_with_logits(Z, Y_t)
    cost.backward()
    return {"dw": w_t.grad, "db": b_t.grad}, cost.detach()
