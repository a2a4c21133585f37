fn main() {} // placeholder until written
