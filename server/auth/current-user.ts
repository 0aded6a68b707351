// The signed-in user for the views (the header shows the name and the links the role allows).
import type { RequestHandler } from 'express';
import { withoutInvisibleFormat } from '../http/input';

export const exposeCurrentUser: RequestHandler = (req, res, next) => {
  // A name stored before invisible format characters were refused shows without them.
  res.locals.currentUser = req.user
    ? { ...req.user, fullName: withoutInvisibleFormat(req.user.fullName) }
    : null;
  next();
};
