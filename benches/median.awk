# Shared by the bench scripts (awk -f benches/median.awk -f PROGRAM):
# the median of the numbers in a space-separated list, the mean of the
# middle two when there are an even number.
function median(list,   values, n, i, j, t) {
  n = split(list, values, " ")
  for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
    if (values[j] + 0 < values[i] + 0) { t = values[i]; values[i] = values[j]; values[j] = t }
  return n % 2 ? values[(n + 1) / 2] : (values[n / 2] + values[n / 2 + 1]) / 2
}
