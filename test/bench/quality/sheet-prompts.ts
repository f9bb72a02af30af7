// The contact sheet's fixed prompts and seeds: 16 prompts x 4 seeds = 64 cells, 8 per row, so
// each row holds two prompts. Worded like the training captions (the tokenizer knows only their
// words). Every prompt's subject is in the training split except "red apple": the emoji
// builder holds whole base emoji out, and the apple (the README's example) landed in the
// held-out split, so that row shows how the model generalises to an emoji it never saw.
export const SHEET_PROMPTS: readonly string[] = [
  'a red figure raising both arms, facing the viewer, green ground, noon sky',
  'a blue figure walking, facing left, beside a yellow ball, sandy ground, evening sky',
  'a yellow figure sitting on the ground, facing right, grey ground, noon sky',
  'a white figure kneeling, facing the viewer, beside a red cone, snowy ground, night sky',
  'a green figure running, facing right, brown ground, noon sky',
  'a purple figure stretching out both arms, facing the viewer, beside an orange box, green ground, evening sky',
  'a pink figure jumping, facing left, sandy ground, noon sky',
  'an orange figure waving, facing the viewer, beside a blue cylinder, grey ground, night sky',
  'grinning face, face smiling, on a pale blue background',
  'cat face, mammal, on a green background',
  'dog face, mammal, on a pale pink background',
  'sunflower, flower, on a navy background',
  'rocket, air, on a black background',
  'soccer ball, sport, on a green background',
  'christmas tree, event, on a pale yellow background',
  'red apple, fruit, on a white background',
];

export const SHEET_SEEDS: readonly number[] = [1, 2, 3, 4];
