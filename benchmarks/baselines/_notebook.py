"""The seed notebook's code, cell for cell, with its one bug fixed: ``sigmoid``, ``sigmoid_derivative`` and ``mse_loss``
take their arguments (the notebook defines them without parameters and reads globals).

Everything else is as the notebook writes it: integer X and y, ``sigmoid_derivative`` recomputing the sigmoid twice,
``np.dot``, in-place updates of the parameters. One epoch is the notebook's training-loop body: forward propagation,
loss, backward propagation (which also updates the parameters).
"""

import numpy as np

datasetX = np.array([[0, 0], [1, 0], [0, 1], [1, 1]])
datasetY = np.array([[0], [1], [1], [0]])


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoid_derivative(z):
    return sigmoid(z) * (1 - sigmoid(z))


def mse_loss(y_prediction, y_true):
    return np.mean((y_prediction - y_true) ** 2)


def initial_parameters(seed=42):
    np.random.seed(seed)  # for reproducibility

    input_dim = 2
    hidden_dim = 2
    output_dim = 1

    W1 = np.random.randn(input_dim, hidden_dim) * 0.1
    b1 = np.zeros((1, hidden_dim))

    W2 = np.random.randn(hidden_dim, output_dim) * 0.1
    b2 = np.zeros((1, output_dim))
    return W1, W2, b1, b2


def forward_propagation(X, W1, W2, b1, b2):
    Z1 = np.dot(X, W1) + b1
    A1 = sigmoid(Z1)

    Z2 = np.dot(A1, W2) + b2
    y_prediction = sigmoid(Z2)
    return Z1, Z2, A1, y_prediction


def backward_propagation(X, y, Z1, Z2, A1, y_prediction, W1, W2, b1, b2, learning_rate=0.1):
    N = X.shape[0]  # number of samples

    dLoss_y_prediction = 2 * (y_prediction - y) / N  # 1.
    dZ2 = dLoss_y_prediction * sigmoid_derivative(Z2)  # 2.

    # 3.
    dW2 = np.dot(A1.T, dZ2)
    db2 = np.sum(dZ2, axis=0, keepdims=True)
    # 4.
    dA1 = np.dot(dZ2, W2.T)
    dZ1 = dA1 * sigmoid_derivative(Z1)
    # 5.
    dW1 = np.dot(X.T, dZ1)
    db1 = np.sum(dZ1, axis=0, keepdims=True)
    # 6.
    W2 -= learning_rate * dW2
    b2 -= learning_rate * db2
    W1 -= learning_rate * dW1
    b1 -= learning_rate * db1

    return W1, W2, b1, b2


def epoch(parameters, learning_rate=0.1):
    """One pass of the notebook's training loop: forward, loss, backward + update. Returns the loss before the update."""
    W1, W2, b1, b2 = parameters
    Z1, Z2, A1, y_prediction = forward_propagation(datasetX, W1, W2, b1, b2)
    loss = mse_loss(y_prediction, datasetY)
    backward_propagation(datasetX, datasetY, Z1, Z2, A1, y_prediction, W1, W2, b1, b2, learning_rate)
    return loss


def train(epochs, learning_rate=0.1, seed=42):
    """The notebook's configuration: returns the parameters and the list of losses (loss of epoch k = the loss of
    the parameters after k updates, as in the reference trajectory)."""
    parameters = initial_parameters(seed)
    losses = []
    for _ in range(epochs):
        losses.append(epoch(parameters, learning_rate))
    return parameters, losses


def loss_of(parameters):
    W1, W2, b1, b2 = parameters
    return mse_loss(forward_propagation(datasetX, W1, W2, b1, b2)[3], datasetY)
