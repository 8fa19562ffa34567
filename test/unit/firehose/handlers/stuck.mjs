// A handler that never returns: the pool must end its thread.
export const handler = async () => {
  for (;;);
};
