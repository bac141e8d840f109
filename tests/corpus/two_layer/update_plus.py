"""update_parameters that steps up the gradient: + where gradient descent subtracts."""


def update_parameters(parameters, grads, learning_rate=1.2):
    p = dict(parameters)
    p["W1"] = p["W1"] + learning_rate * grads["dW1"]
    p["b1"] = p["b1"] - learning_rate * grads["db1"]
    p["W2"] = p["W2"] - learning_rate * grads["dW2"]
    p["b2"] = p["b2"] - learning_rate * grads["db2"]
    return p
