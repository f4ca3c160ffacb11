"""PyTorch's 'Training a Classifier' tutorial, line for line, under ``import minitorch as torch``.

The tutorial's CIFAR-10 is replaced by a small synthetic one written in CIFAR-10's own
format (pickled batches in ``cifar-10-batches-py``), so the tutorial's
``torchvision.datasets.CIFAR10(root=..., download=False)`` call reads it unchanged. A
second test trains briefly on the real Fashion-MNIST.
"""

from __future__ import annotations

import os
import pickle
import re

import numpy as np
import pytest

CLASSES = ("plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


def _write_cifar(root: str, per_batch: int, seed: int) -> None:
    """Synthetic CIFAR-10: class c is a colour (one channel bright, others dim) and a bright stripe at row 3c."""
    folder = os.path.join(root, "cifar-10-batches-py")
    os.makedirs(folder)
    rng = np.random.default_rng(seed)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        labels = [int(x) for x in rng.integers(0, 10, per_batch)]
        images = rng.integers(0, 80, (per_batch, 3, 32, 32))
        for i, c in enumerate(labels):
            images[i, c % 3] += 120
            images[i, :, 3 * c : 3 * c + 2, :] = 255
        with open(os.path.join(folder, name), "wb") as fh:
            pickle.dump({"data": images.astype(np.uint8).reshape(per_batch, -1), "labels": labels}, fh, protocol=2)
    with open(os.path.join(folder, "batches.meta"), "wb") as fh:
        pickle.dump(
            {"label_names": ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]},
            fh,
            protocol=2,
        )


def training_a_classifier(root: str, PATH: str, epochs: int = 2) -> dict:
    """The tutorial's code (data, Net, loss/optimizer, training, test, per-class accuracy), verbatim but for
    root/PATH/epochs/num_workers and the print frequency."""
    import minitorch as torch
    import minitorch.vision as torchvision
    import minitorch.vision.transforms as transforms

    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])

    batch_size = 4

    trainset = torchvision.datasets.CIFAR10(root=root, train=True, download=False, transform=transform)
    trainloader = torch.utils.data.DataLoader(trainset, batch_size=batch_size, shuffle=True, num_workers=0)

    testset = torchvision.datasets.CIFAR10(root=root, train=False, download=False, transform=transform)
    testloader = torch.utils.data.DataLoader(testset, batch_size=batch_size, shuffle=False, num_workers=0)

    classes = ("plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")

    import minitorch.nn as nn
    import minitorch.nn.functional as F

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 6, 5)
            self.pool = nn.MaxPool2d(2, 2)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = self.pool(F.relu(self.conv1(x)))
            x = self.pool(F.relu(self.conv2(x)))
            x = torch.flatten(x, 1)  # flatten all dimensions except batch
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            x = self.fc3(x)
            return x

    net = Net()

    import minitorch.optim as optim

    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)

    for epoch in range(epochs):  # loop over the dataset multiple times
        running_loss = 0.0
        for i, data in enumerate(trainloader, 0):
            # get the inputs; data is a list of [inputs, labels]
            inputs, labels = data

            # zero the parameter gradients
            optimizer.zero_grad()

            # forward + backward + optimize
            outputs = net(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()

            # print statistics
            running_loss += loss.item()
            if i % 50 == 49:  # print every 50 mini-batches
                print(f"[{epoch + 1}, {i + 1:5d}] loss: {running_loss / 50:.3f}")
                running_loss = 0.0

    print("Finished Training")

    torch.save(net.state_dict(), PATH)

    dataiter = iter(testloader)
    images, labels = next(dataiter)

    print("GroundTruth: ", " ".join(f"{classes[labels[j]]:5s}" for j in range(4)))

    net = Net()
    net.load_state_dict(torch.load(PATH, weights_only=True))

    outputs = net(images)

    _, predicted = torch.max(outputs, 1)

    print("Predicted: ", " ".join(f"{classes[predicted[j]]:5s}" for j in range(4)))

    correct = 0
    total = 0
    # since we're not training, we don't need to calculate the gradients for our outputs
    with torch.no_grad():
        for data in testloader:
            images, labels = data
            # calculate outputs by running images through the network
            outputs = net(images)
            # the class with the highest energy is what we choose as prediction
            _, predicted = torch.max(outputs.data, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()

    print(f"Accuracy of the network on the {total} test images: {100 * correct // total} %")

    # prepare to count predictions for each class
    correct_pred = {classname: 0 for classname in classes}
    total_pred = {classname: 0 for classname in classes}

    # again no gradients needed
    with torch.no_grad():
        for data in testloader:
            images, labels = data
            outputs = net(images)
            _, predictions = torch.max(outputs, 1)
            # collect the correct predictions for each class
            for label, prediction in zip(labels, predictions):
                if label == prediction:
                    correct_pred[classes[label]] += 1
                total_pred[classes[label]] += 1

    # print accuracy for each class
    for classname, correct_count in correct_pred.items():
        accuracy = 100 * float(correct_count) / total_pred[classname]
        print(f"Accuracy for class: {classname:5s} is {accuracy:.1f} %")

    return {"correct": correct, "total": total, "correct_pred": correct_pred, "total_pred": total_pred}


def test_training_a_classifier_runs_under_minitorch(tmp_path, capsys):
    import minitorch

    _write_cifar(str(tmp_path), per_batch=200, seed=0)
    minitorch.manual_seed(0)
    result = training_a_classifier(str(tmp_path), str(tmp_path / "cifar_net.pth"), epochs=2)
    out = capsys.readouterr().out.splitlines()

    assert len([ln for ln in out if re.fullmatch(r"\[[12], +\d+\] loss: \d\.\d{3}", ln)]) == 2 * (1000 // 4 // 50)
    assert "Finished Training" in out
    truth = next(ln for ln in out if ln.startswith("GroundTruth: "))
    assert all(word in CLASSES for word in truth.split()[1:]) and len(truth.split()) == 5
    assert len(next(ln for ln in out if ln.startswith("Predicted: ")).split()) == 5

    assert result["total"] == 200 == sum(result["total_pred"].values())
    assert result["correct"] == sum(result["correct_pred"].values())
    assert f"Accuracy of the network on the 200 test images: {100 * result['correct'] // 200} %" in out
    per_class = [ln for ln in out if ln.startswith("Accuracy for class: ")]
    assert len(per_class) == 10 and per_class[0].startswith("Accuracy for class: plane is ")
    # The colours and stripes are easy: two epochs of 250 steps get far above chance (10 %).
    assert result["correct"] / result["total"] > 0.8


def test_losses_fall_during_the_tutorial_loop(tmp_path, capsys):
    import minitorch

    _write_cifar(str(tmp_path), per_batch=100, seed=1)
    minitorch.manual_seed(1)
    training_a_classifier(str(tmp_path), str(tmp_path / "net.pth"), epochs=2)
    losses = [float(m.group(1)) for m in re.finditer(r"loss: (\d\.\d{3})", capsys.readouterr().out)]
    assert losses[-1] < losses[0] and losses[0] > 2.0  # starts near ln(10) = 2.30


def test_brief_training_on_real_fashion_mnist():
    """The tutorial's loop on the first 10,000 real Fashion-MNIST images (padded to 32x32) for one epoch."""
    import minitorch as torch
    import minitorch.vision as torchvision
    import minitorch.vision.transforms as transforms
    from minitorch_app import models

    root = "/usr/share/datasets/fashion-mnist"
    transform = transforms.Compose([transforms.Pad(2), transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
    try:
        trainset = torchvision.datasets.FashionMNIST(root=root, train=True, download=False, transform=transform)
        testset = torchvision.datasets.FashionMNIST(root=root, train=False, download=False, transform=transform)
    except RuntimeError as e:
        pytest.skip(f"Fashion-MNIST is not available: {e}")
    torch.manual_seed(0)
    trainloader = torch.utils.data.DataLoader(
        torch.utils.data.Subset(trainset, range(10000)), batch_size=32, shuffle=True
    )
    testloader = torch.utils.data.DataLoader(torch.utils.data.Subset(testset, range(2000)), batch_size=500)
    net = models.build("lenet")
    criterion = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    for _i, data in enumerate(trainloader, 0):
        inputs, labels = data
        optimizer.zero_grad()
        loss = criterion(net(inputs), labels)
        loss.backward()
        optimizer.step()
    correct = total = 0
    with torch.no_grad():
        for images, labels in testloader:
            _, predicted = torch.max(net(images), 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
    assert total == 2000
    assert 100 * correct / total > 60, f"{100 * correct / total:.1f} % after one epoch on 10,000 images"
