import { createContext, useContext } from "react";
import type { Session } from "./api";

export const SessionContext = createContext<{
  session: Session | null;
  setSession: (s: Session | null) => void;
}>({ session: null, setSession: () => {} });

export const useSession = () => useContext(SessionContext);
