// A two-file driver with a header inline function, for the DWARF tests. Line numbers matter:
// the tests name them. ndis_probe's argument tells the calls apart.

const LAB_H = `void ndis_probe(int);
int other(int);
static inline int lab_inline(int q) {
  ndis_probe(q * 3);
  return q;
}
`;
const A_C = `#include "lab.h"
void ndis_probe(int);
static int helper(int x) {
  ndis_probe(x);
  return x + 1;
}
__attribute__((export_name("entry"))) int entry(int v) {
  ndis_probe(1);
  int r = helper(v);
  r += lab_inline(r);
  ndis_probe(2);
  return r + other(v);
}
`;
const B_C = `#include "lab.h"
void ndis_probe(int);
int other(int v) {
  for (int i = 0; i < v; i++)
    ndis_probe(100 + i);
  return v * 2;
}
int dead_code(int v) {
  ndis_probe(v);
  return 0;
}
`;
export const TREE = { src: { 'a.c': A_C, 'b.c': B_C }, include: { 'lab.h': LAB_H } };
export const SOURCES = ['src/a.c', 'src/b.c'];
