"""Assignment 6: recurrent language models by hand (RNN, GRU, LSTM) with backpropagation through time."""
