/**
 * Console roles, each allowed everything the one before it may do: a viewer
 * reads, an editor also changes routes and services, an admin also manages
 * users and every user's API tokens. WebUser.role holds the name.
 */
export const ROLES = { viewer: 1, editor: 2, admin: 3 } as const;

export type Role = keyof typeof ROLES;

export const ROLE_NAMES = Object.keys(ROLES) as readonly Role[];

export function isRole(value: string): value is Role {
  return Object.hasOwn(ROLES, value);
}

/** Whether `role` may do what `needed` may. */
export function roleAtLeast(role: Role, needed: Role): boolean {
  return ROLES[role] >= ROLES[needed];
}
