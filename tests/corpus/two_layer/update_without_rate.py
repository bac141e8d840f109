"""update_parameters with the learning rate left out."""


def update_parameters(parameters, grads, learning_rate=1.2):
    return {"W1": parameters["W1"] - grads["dW1"], "b1": parameters["b1"] - grads["db1"],
            "W2": parameters["W2"] - grads["dW2"], "b2": parameters["b2"] - grads["db2"]}
