"""Corrections of the shipped notes' errata, keyed by the claim's text as the notes print it.

Each is a formula `left = right` in the notes' notation: the engine parses it and checks it like
any claim of the notes (it must hold), so a correction is never unproven.
"""

CORRECTIONS = {
    r"y=\omega^Tx + b": (r"z", r"\omega^Tx + b"),
    r"J(\omega, b)=\frac{1}{m}\Sigma_{i=1}^m\mathcal{L}(\widehat{y}^{(i)}, y^i)":
        (r"J(\omega, b)", r"\frac{1}{m}\sum_{i=1}^{m}\mathcal{L}(y^{(i)}, \widehat{y}^{(i)})"),
    r"\mathcal{L}(a,y)": (r"\mathcal{L}", r"\mathcal{L}(y,a)"),
    r"z=\omega + b": (r"z", r"\omega^Tx + b"),
    r"\frac{d\mathcal{L}}{da} = (\frac{d\mathcal{L}(a,y)}{da})":
        (r"\frac{d\mathcal{L}}{da}", r"\frac{d\mathcal{L}(y,a)}{da}"),
    r"(\frac{d\mathcal{L}(a,y)}{da}) = -y \frac{1}{a} - (1-y) \frac{-1}{1-a}":
        (r"\frac{d\mathcal{L}(y,a)}{da}", r"-y \frac{1}{a} - (1-y) \frac{-1}{1-a}"),
    r"\color{red}{\frac{d\mathcal{L}}{dz^{[2]}}\frac{dz^{[2]}}{da^{[1]}}} = (a^{[2]}-y)W^{[2]}":
        (r"\frac{d\mathcal{L}}{da^{[1]}}", r"W^{[2]T}(a^{[2]}-y)"),
    r"dW^{[1]}=\frac{d\mathcal{L}}{da^{[1]}}\frac{da^{[1]}}{dz^{[1]}}\frac{dz^{[1]}}{dW^{[1]}}":
        (r"dW^{[1]}", r"(W^{[2]T}(a^{[2]}-y) * (a^{[1]} * (1-a^{[1]}))) x^T"),
    r"dW^{[1]} = (a^{[2]}-y)W^{[2]}\color{red}{*}((1-a^{[1]})a^{[1]})x":
        (r"dW^{[1]}", r"(W^{[2]T}(a^{[2]}-y) * (a^{[1]} * (1-a^{[1]}))) x^T"),
    r"db=\frac{d\mathcal{L}}{da^{[1]}}\frac{da^{[1]}}{dz^{[1]}}\frac{dz^{[1]}}{db^{[1]}}":
        (r"db^{[1]}", r"W^{[2]T}(a^{[2]}-y) * (a^{[1]} * (1-a^{[1]}))"),
    r"db=\frac{d\mathcal{L}}{da^{[1]}}\frac{da^{[1]}}{dz^{[1]}}\frac{dz^{[1]}}{db^{[1]}} = "
    r"(\text{similar logic as for }dW^{[1]}) = (a^{[2]}-y)W^{[2]}\color{red}{*}((1-a^{[1]})"
    r"a^{[1]})":
        (r"db^{[1]}", r"W^{[2]T}(a^{[2]}-y) * (a^{[1]} * (1-a^{[1]}))"),
}

# code lines: the corrected line as text (the tests verify the corrected listing by editing the
# notes and running it as written)
CODE_CORRECTIONS = {
    "cost = (- 1 / m) * np.sum(Y * np.log(A) + (1 - Y) * (np.log(1 - A))":
        r"\texttt{cost = (- 1 / m) * np.sum(Y * np.log(A) + (1 - Y) * (np.log(1 - A)))}",
    "grads, cost = propagate(w, b, X_train, Y_train) # propagation on ALL the training sample":
        r'end propagate with \texttt{grads = \{"dw": dw, "db": db\}} and '
        r"\texttt{return grads, cost}",
}
